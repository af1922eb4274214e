"""The largest demo plan (Samspelet 2022) as PDF: WeasyPrint against headless Chromium.

Builds a throwaway SQLite database with the demo data, renders the plan document's
HTML once (the same HTML the PDF view feeds to WeasyPrint), saves it with the
stylesheet and the shipped fonts next to it for Chromium, then in one run, N rounds
each of

1. a render with WeasyPrint (``documents.plan_document.render_pdf``) in a process that
   loads ``finsam.wsgi`` as a gunicorn worker does and stays up for the whole run
   (after one uncounted first render), recording wall time and CPU time; and one in a
   child forked from a second such process that never renders itself, as a worker
   renders a PDF in production (``documents.rendering.run_niced``; here at the
   worker's priority, so that it competes as Chromium does);
2. a print with ``/usr/bin/chromium --headless --print-to-pdf``, start-up included,
   recording wall time and CPU time (all its processes);
3. a print in a Chromium that is already running (Playwright's ``page.pdf``, a new
   tab), which is what a server that kept a browser for its PDFs would pay.

The engines take turns (WeasyPrint, Chromium, Chromium already running, WeasyPrint,
...), so that a busy spell of a shared machine falls on all of them alike. Then the
WeasyPrint process reports its peak resident memory (VmHWM) and, in one more render,
the peak of Python allocations (tracemalloc); and the stored PDF of the (approved)
plan is timed, which is what every download after the first one costs.

Prints the median of each, the ratio WeasyPrint / Chromium and the machine's load
average. No network.

    .venv/bin/python bench/plan_pdf.py [--runs 5] [--slug samspelet]
"""

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
]


def mib(kib: float) -> float:
    return kib / 1024  # ru_maxrss is in KiB on Linux


def high_water_kib() -> int:
    """This process's peak resident memory in KiB (VmHWM: unlike ru_maxrss it does not
    carry over the parent's figure into a child started with fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def page_count(data: bytes) -> str:
    try:
        import io

        from pypdf import PdfReader
    except ImportError:  # pypdf is a test extra
        return "?"
    return str(len(PdfReader(io.BytesIO(data)).pages))


def collector_clock():
    """A function that tells the seconds spent in garbage collections so far. Unlike the
    render's own time this hardly depends on what else the machine is doing, so it
    shows what freezing the start-up objects saves even on a busy machine."""
    import gc

    spent = [0.0]
    started = [0.0]

    def callback(phase, _info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    gc.callbacks.append(callback)
    return lambda: spent[0]


def child(html_path: str, runs: int, *, unfrozen: bool = False) -> int:
    """Render the saved HTML ``runs`` times in a fresh process; print the figures as JSON.

    A process of its own, so its peak memory is that of a web worker rendering the PDF
    (Django loaded, no demo data or migrations in memory). ``unfrozen``: the same modules
    loaded, but the start-up objects left in the collector's full passes, as before
    ``finsam.wsgi`` froze them."""
    import json

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    sys.path.insert(0, str(ROOT))
    if unfrozen:
        import django
        from django.urls import get_resolver

        django.setup()
        get_resolver().url_patterns  # noqa: B018
        import weasyprint  # noqa: F401
    else:
        # What gunicorn loads: Django set up, the URL configuration and WeasyPrint
        # imported and the start-up objects frozen out of the collector's full passes.
        import finsam.wsgi  # noqa: F401
    from documents import plan_document as document

    html = Path(html_path).read_text(encoding="utf-8")
    before = high_water_kib()
    # The first render of a worker also sets up fonts and WeasyPrint's caches.
    wall = time.perf_counter()
    document.render_pdf(html=html, context={}, variant="pdf")
    first = time.perf_counter() - wall
    walls, cpus, collecting = [], [], []
    in_collections = collector_clock()
    for _ in range(runs):
        wall, cpu, collector = time.perf_counter(), time.process_time(), in_collections()
        pdf = document.render_pdf(html=html, context={}, variant="pdf")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        collecting.append(in_collections() - collector)
    # Read before tracemalloc runs: its own bookkeeping would raise the peak.
    rss_peak = high_water_kib()
    tracemalloc.start()
    document.render_pdf(html=html, context={}, variant="pdf")
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    figures = {
        "first": first,
        "walls": walls,
        "collecting": collecting,
        "cpus": cpus,
        "rss_before_kib": before,
        "rss_peak_kib": rss_peak,
        "traced_peak": traced_peak,
        "pages": page_count(pdf),
        "size": len(pdf),
    }
    print(json.dumps(figures))
    return 0


def forked_render(render) -> dict:
    """``render()`` in a child forked from this process, as ``documents.rendering
    .run_niced`` renders a worker's PDF (without lowering its priority): the wall time
    seen here, fork and answer included, and the child's CPU time and peak memory."""
    read_end, write_end = os.pipe()
    wall = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_end)
            cpu = time.process_time()
            pdf = render()
            answer = {"cpu": time.process_time() - cpu, "rss_peak_kib": high_water_kib()}
            answer["size"] = len(pdf)
            with os.fdopen(write_end, "w") as out:
                out.write(json.dumps(answer))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as source:
        answer = json.loads(source.read())
    os.waitpid(pid, 0)
    answer["wall"] = time.perf_counter() - wall
    return answer


def serve(html_path: str, *, forking: bool = False) -> int:
    """The WeasyPrint side of an interleaved run: a worker-like process (as ``child``)
    that renders when told. Reads one word a line from stdin: "render" (in this
    process: wall, CPU and garbage-collection time), "fork" (in a forked child, see
    ``forked_render``), "finish" (peak memory, one more render under tracemalloc, the
    PDF's pages and size; then it ends). Answers each with one line of JSON.

    ``forking``: a worker as production runs it (``PDF_RENDER_NICE`` above 0), which
    never renders in its own process; no first render, and told only "fork"."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    sys.path.insert(0, str(ROOT))
    import finsam.wsgi  # noqa: F401 (what gunicorn loads, start-up objects frozen)
    from documents import plan_document as document

    html = Path(html_path).read_text(encoding="utf-8")

    def render() -> bytes:
        return document.render_pdf(html=html, context={}, variant="pdf")

    def answer(figures: dict) -> None:
        print(json.dumps(figures), flush=True)

    before = high_water_kib()
    if forking:
        answer({"rss_before_kib": before})
    else:
        wall = time.perf_counter()
        pdf = render()  # a worker's first render also sets up fonts and WeasyPrint's caches
        answer({"first": time.perf_counter() - wall, "rss_before_kib": before})
    in_collections = collector_clock()
    for line in sys.stdin:
        command = line.strip()
        if command == "render":
            wall, cpu, collector = time.perf_counter(), time.process_time(), in_collections()
            pdf = render()
            answer(
                {
                    "wall": time.perf_counter() - wall,
                    "cpu": time.process_time() - cpu,
                    "collecting": in_collections() - collector,
                }
            )
        elif command == "fork":
            answer(forked_render(render))
        elif command == "finish":
            rss_peak = high_water_kib()  # before tracemalloc, whose bookkeeping adds to it
            tracemalloc.start()
            render()
            traced_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            answer(
                {
                    "rss_peak_kib": rss_peak,
                    "traced_peak": traced_peak,
                    "pages": page_count(pdf),
                    "size": len(pdf),
                }
            )
            break
    return 0


class WeasyPrintWorker:
    """The process ``serve`` runs in, and its answers."""

    def __init__(self, saved: Path, *, forking: bool = False):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(saved)] + (["--forking"] if forking else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.started = self._answer()

    def _answer(self) -> dict:
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("The WeasyPrint process ended without an answer.")
            if line.startswith("{"):
                return json.loads(line)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def finish(self) -> dict:
        figures = self.ask("finish")
        self.process.stdin.close()
        self.process.wait(timeout=60)
        return figures


def weasyprint_child(saved: Path, runs: int, *, unfrozen: bool = False) -> dict:
    command = [sys.executable, __file__, "--child", str(saved), "--runs", str(runs)]
    result = subprocess.run(
        command + (["--unfrozen"] if unfrozen else []),
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def running_chromium(page: Path):
    """A function that prints the page in a Chromium that is already running, as a
    server that kept one browser for its PDFs would (a new tab, load, print to PDF) and
    returns the wall time; None when Playwright (a test extra) is not installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Playwright is not installed: no figure for an already running Chromium.")
        yield None
        return

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS[1:-1], headless=True
        )

        def print_page() -> float:
            start = time.perf_counter()
            tab = browser.new_page()
            tab.goto(page.as_uri())
            tab.pdf(prefer_css_page_size=True)
            tab.close()
            return time.perf_counter() - start

        try:
            print_page()  # warms the browser up, uncounted
            yield print_page
        finally:
            browser.close()


def cold_chromium(page: Path, folder: Path, n: int) -> tuple[float, float, bytes]:
    """Wall and CPU time (all its processes) of printing the page with a Chromium
    started for it, and the PDF."""
    output = folder / f"chromium-{n}.pdf"
    command = [
        str(CHROMIUM),
        *CHROMIUM_ARGS,
        f"--user-data-dir={folder / f'profile-{n}'}",
        f"--print-to-pdf={output}",
        page.as_uri(),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, output.read_bytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="renders per engine")
    parser.add_argument("--slug", default="samspelet", help="the demo förbund whose plan to render")
    parser.add_argument(
        "--compare-gc",
        action="store_true",
        help="also render in workers that do not freeze their start-up objects, alternating",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--unfrozen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--forking", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, forking=args.forking)
    if args.child:
        return child(args.child, args.runs, unfrozen=args.unfrozen)

    folder = Path(tempfile.mkdtemp(prefix="finsam-bench-pdf-"))
    try:
        return run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args, folder: Path) -> int:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    os.environ.update(DEBUG="false", SECRET_KEY="bench-only-" + "x" * 50)
    os.environ.update(ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="false")
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    sys.path.insert(0, str(ROOT))

    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at")
    django.setup()
    from django.core.management import call_command
    from django_scopes import scope, scopes_disabled

    from associations.models import Association
    from documents import plan_document as document
    from plans.models import Plan, PlanDocument

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    with scopes_disabled():
        association = Association.objects.get(slug=args.slug)
        plan = Plan.objects.filter(association=association).order_by("year").first()

    with scope(association=association):
        start = time.perf_counter()
        context = document.document_context(plan=plan, association=association)
        html = document.render_document_html(context=context, for_screen=False)
        html_ms = (time.perf_counter() - start) * 1000
        if context["logo"] is not None:
            print("The bench renders a förbund without a logo; remove it first.", file=sys.stderr)
            return 1

        # What a download costs once the approved plan's PDF is stored.
        document.plan_pdf(plan=plan, association=association, variant="pdf")
        stored = []
        for _ in range(20):
            start = time.perf_counter()
            document.plan_pdf(plan=plan, association=association, variant="pdf")
            stored.append(time.perf_counter() - start)
        is_stored = PlanDocument.objects.filter(plan=plan).exists()

    saved = folder / "weasyprint.html"
    saved.write_text(html, encoding="utf-8")
    # The same HTML for Chromium, with the stylesheet and fonts beside it.
    site = folder / "site"
    shutil.copytree(ROOT / "static" / "css", site / "static" / "css")
    shutil.copytree(ROOT / "static" / "fonts", site / "static" / "fonts")
    page = site / "document.html"
    page.write_text(html.replace('"/static/', '"static/'), encoding="utf-8")
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install chromium (see scripts/install.sh)", file=sys.stderr)
        return 1

    # The engines take turns, so that the machine's busy spells fall on all alike.
    load_before = os.getloadavg()
    weasy_runs, forked_runs, cold_runs, warm_wall = [], [], [], []
    worker = WeasyPrintWorker(saved)
    forking = WeasyPrintWorker(saved, forking=True)
    try:
        with running_chromium(page) as print_warm:
            for n in range(args.runs):
                weasy_runs.append(worker.ask("render"))
                forked_runs.append(forking.ask("fork"))
                cold_runs.append(cold_chromium(page, folder, n))
                if print_warm is not None:
                    warm_wall.append(print_warm())
        # ru_maxrss of the children is the largest single process that has ended: the
        # WeasyPrint process is still running, so it is Chromium's.
        chromium_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        weasy_figures = {**worker.started, **worker.finish()}
    finally:
        for process in (worker.process, forking.process):
            process.stdin.close()  # a worker that reads no more commands ends
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    load_after = os.getloadavg()
    weasy_figures.update(
        walls=[run["wall"] for run in weasy_runs],
        cpus=[run["cpu"] for run in weasy_runs],
        collecting=[run["collecting"] for run in weasy_runs],
    )
    if args.compare_gc:
        # Alternating, so that a busy spell of the machine falls on both kinds alike.
        cpus = {"frozen": [], "unfrozen": []}
        collecting = {"frozen": [], "unfrozen": []}
        for _ in range(3):
            for kind in cpus:
                figures = weasyprint_child(saved, args.runs, unfrozen=kind == "unfrozen")
                cpus[kind].append(statistics.median(figures["cpus"]))
                collecting[kind].append(statistics.median(figures["collecting"]))

    weasy = statistics.median(weasy_figures["walls"])
    weasy_cpu = statistics.median(weasy_figures["cpus"])
    forked = statistics.median(run["wall"] for run in forked_runs)
    forked_cpu = statistics.median(run["cpu"] for run in forked_runs)
    forked_rss = max(run["rss_peak_kib"] for run in forked_runs)
    chromium = statistics.median(wall for wall, _, _ in cold_runs)
    chromium_cpu = statistics.median(cpu for _, cpu, _ in cold_runs)
    chromium_pdf = cold_runs[-1][2]
    print(f"plan: {plan.title} ({association.name}), {args.runs} runs each, medians")
    print(f"HTML from the templates (queries + rendering): {html_ms:.0f} ms")
    print(
        f"WeasyPrint {weasy * 1000:6.0f} ms wall {weasy_cpu * 1000:6.0f} ms CPU"
        f" {weasy_figures['pages']:>3} pages {weasy_figures['size'] / 1024:5.0f} KiB"
        f"  peak RSS {mib(weasy_figures['rss_peak_kib']):.0f} MiB"
        f" ({mib(weasy_figures['rss_before_kib']):.0f} MiB with Django loaded, before rendering)"
        f"  Python allocations peak {weasy_figures['traced_peak'] / 2**20:.0f} MiB"
    )
    print(
        "WeasyPrint: in garbage collections"
        f" {statistics.median(weasy_figures['collecting']) * 1000:.0f} ms of each render"
    )
    print(
        "WeasyPrint, a worker's first render (not in the median):"
        f" {weasy_figures['first'] * 1000:.0f} ms wall"
    )
    print(
        "WeasyPrint in a child forked from a worker that has not rendered (as production"
        " renders, PDF_RENDER_NICE > 0; here at the worker's priority):"
        f" {forked * 1000:.0f} ms wall {forked_cpu * 1000:.0f} ms CPU"
        f"  peak RSS {mib(forked_rss):.0f} MiB"
    )
    print(
        f"Chromium   {chromium * 1000:6.0f} ms wall {chromium_cpu * 1000:6.0f} ms CPU"
        f" {page_count(chromium_pdf):>3} pages {len(chromium_pdf) / 1024:5.0f} KiB"
        f"  peak RSS {mib(chromium_rss):.0f} MiB (largest child process)"
        " — startup included"
    )
    if warm_wall:
        warm = statistics.median(warm_wall)
        print(f"Chromium, already running (Playwright page.pdf) {warm * 1000:6.0f} ms wall")
    print(
        f"ratio WeasyPrint / Chromium: wall {weasy / chromium:.2f},"
        f" CPU {weasy_cpu / chromium_cpu:.2f}"
        + (f"; wall against an already running Chromium {weasy / warm:.2f}" if warm_wall else "")
    )
    print(
        f"ratio in a forked child / Chromium: wall {forked / chromium:.2f},"
        f" CPU {forked_cpu / chromium_cpu:.2f}"
    )
    print(
        f"engines interleaved, {args.runs} rounds; load average (1, 5, 15 min) before"
        f" {' '.join(f'{x:.2f}' for x in load_before)},"
        f" after {' '.join(f'{x:.2f}' for x in load_after)}; {os.cpu_count()} CPUs"
    )
    if args.compare_gc:
        frozen, unfrozen = (statistics.median(cpus[kind]) for kind in ("frozen", "unfrozen"))
        in_frozen, in_unfrozen = (
            statistics.median(collecting[kind]) for kind in ("frozen", "unfrozen")
        )
        print(
            f"WeasyPrint CPU, 3 workers of each kind: start-up frozen {frozen * 1000:.0f} ms,"
            f" not frozen {unfrozen * 1000:.0f} ms (ratio {frozen / unfrozen:.2f});"
            f" of which in garbage collections {in_frozen * 1000:.0f} ms"
            f" and {in_unfrozen * 1000:.0f} ms"
        )
    print(
        f"stored PDF of the approved plan: {statistics.median(stored) * 1000:.1f} ms per download"
        + ("" if is_stored else " (NOT STORED: the plan is not approved)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

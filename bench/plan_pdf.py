"""The largest demo plan (Samspelet 2022) as PDF: WeasyPrint against headless Chromium.

Builds a throwaway SQLite database with the demo data, renders the plan document's
HTML once (the same HTML the PDF view feeds to WeasyPrint), then in one run

1. renders it N times with WeasyPrint (``documents.plan_document.render_pdf``) in a fresh
   process that loads ``finsam.wsgi`` as a gunicorn worker does, after one uncounted
   first render, recording wall time, CPU time, the process's peak resident memory
   (VmHWM) and, in one more render, the peak of Python allocations (tracemalloc);
2. saves the HTML with the stylesheet and the shipped fonts next to it and prints it N
   times with ``/usr/bin/chromium --headless --print-to-pdf``, recording wall time, CPU
   time (all its processes) and the largest process's peak resident memory; then N
   times in a Chromium that is already running (Playwright's ``page.pdf``), which is
   what a server that kept a browser for its PDFs would pay;
3. times serving the stored PDF of the (approved) plan, which is what every download
   after the first one costs.

Prints the median of each and the ratio WeasyPrint / Chromium. No network.

    .venv/bin/python bench/plan_pdf.py [--runs 5] [--slug samspelet]
"""

import argparse
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


def warm_chromium(page: Path, runs: int) -> list[float]:
    """Wall times of printing the page in a Chromium that is already running, as a
    server that kept one browser for its PDFs would: a new tab, load, print to PDF.
    Empty when Playwright (a test extra) is not installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Playwright is not installed: no figure for an already running Chromium.")
        return []
    walls = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS[1:-1], headless=True
        )
        try:
            for n in range(runs + 1):  # the first one warms the browser up, uncounted
                start = time.perf_counter()
                tab = browser.new_page()
                tab.goto(page.as_uri())
                tab.pdf(prefer_css_page_size=True)
                tab.close()
                if n:
                    walls.append(time.perf_counter() - start)
        finally:
            browser.close()
    return walls


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
    args = parser.parse_args()
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

    # WeasyPrint in a fresh process (see ``child``), on the same HTML.
    saved = folder / "weasyprint.html"
    saved.write_text(html, encoding="utf-8")
    weasy_figures = weasyprint_child(saved, args.runs)
    if args.compare_gc:
        # Alternating, so that a busy spell of the machine falls on both kinds alike.
        cpus = {"frozen": [], "unfrozen": []}
        collecting = {"frozen": [], "unfrozen": []}
        for _ in range(3):
            for kind in cpus:
                figures = weasyprint_child(saved, args.runs, unfrozen=kind == "unfrozen")
                cpus[kind].append(statistics.median(figures["cpus"]))
                collecting[kind].append(statistics.median(figures["collecting"]))
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)

    # The same HTML for Chromium, with the stylesheet and fonts beside it.
    site = folder / "site"
    shutil.copytree(ROOT / "static" / "css", site / "static" / "css")
    shutil.copytree(ROOT / "static" / "fonts", site / "static" / "fonts")
    page = site / "document.html"
    page.write_text(html.replace('"/static/', '"static/'), encoding="utf-8")
    chromium_wall = []
    chromium_pdf = b""
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install chromium (see scripts/install.sh)", file=sys.stderr)
        return 1
    for n in range(args.runs):
        output = folder / f"chromium-{n}.pdf"
        profile = folder / f"profile-{n}"
        command = [
            str(CHROMIUM),
            *CHROMIUM_ARGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={output}",
            page.as_uri(),
        ]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        chromium_wall.append(time.perf_counter() - start)
        chromium_pdf = output.read_bytes()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    warm_wall = warm_chromium(page, args.runs)
    chromium_cpu = (
        children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
    ) / args.runs
    # ru_maxrss of the children is the largest single process since the start, so it is
    # only Chromium's when Chromium's largest process outgrows the WeasyPrint child.
    chromium_rss = children.ru_maxrss

    weasy = statistics.median(weasy_figures["walls"])
    weasy_cpu = statistics.median(weasy_figures["cpus"])
    chromium = statistics.median(chromium_wall)
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

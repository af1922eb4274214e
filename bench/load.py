"""Under load: twenty förbund's kansli users browsing a page mix on one gunicorn.

Uses ``bench/national.py``'s 80-förbund database ``finsam_national_80`` on PostgreSQL
127.0.0.1:5432 (user postgres, no password): with ``--reuse`` an existing one, else
both national databases are built by ``national.build`` (4-9 minutes on two cores);
dropped at the end unless ``--keep``, as in ``national.py``.
Starts one gunicorn per ``--workers`` count from ``docker/gunicorn.conf.py`` (sync
workers, production settings as in ``abuse.py``, ``GUNICORN_MAX_REQUESTS=0``, the
request log on as in production) with the shared cache: Redis database 12 when Redis
answers (``--redis-db``), else the database cache; it is cleared first.

The mix. ``--clients`` threads (20), each logged in as the kansli user of a different
förbund (every fourth förbund by primary key, so each demo förbund's clones are among
them), ask in turn for that förbund's home page, plan list, latest approved plan page,
its document HTML, the draft plan page, the draft's budget page and the follow-up
dashboard, and the login page (GET, no session), over and over. The URLs come from the
database (``manage.py shell``), none is written here. ``--warmup`` uncounted seconds,
then ``--rounds`` measured rounds of ``--seconds`` each; with several worker counts
(``--workers 2 3``) the rounds are interleaved (2, 3, 2, 3 …) so that the machine's
drift falls on each. Prints per page: requests, errors (any answer but 200, the first
few printed), p50 and p95 as the client sees them, and p50 and p95 of the time inside
the application (the request log's ``duration_ms``; the rest is the wait in gunicorn's
queue); then the whole mix's req/s and p95, the login page's p95, and their ratio
against the issue's bar (mix p95 <= 4x the login page's), with the load average. Before
each round the login page is also asked alone, one at a time, and the mix's p95 is
printed against that too (the login page idle).

``--pdfs``: afterwards, the kansli users of ten förbund each ask for their draft's PDF
at the same moment, and again after the waiting page's Retry-After while it answers
503, as its refresh does. With ``--pdf-backend database`` (the default, as
docker-compose.yml runs it) a ``manage.py db_worker`` renders them; with ``immediate``
each request renders its own if it gets the installation's slot. Prints each download's
first answer, attempts, final status and wall time, the render jobs' times (from the job
table), the longest single request against
gunicorn's worker timeout (``docker/gunicorn.conf.py``), and the workers' resident size
(``/proc``) before and after.

Run from the project folder: ``.venv/bin/python bench/load.py`` (see bench/README.md).
Standard library only, with the helpers of ``abuse.py``, ``scaleout.py`` and
``national.py``. Exit status 1 only when the bench could not run.
"""

import argparse
import http.client
import itertools
import json
import os
import re
import runpy
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import national  # noqa: E402 (the national bench's database and build)
from abuse import (  # noqa: E402 (the abuse bench's helpers)
    PASSWORD,
    BenchError,
    MailSink,
    Memory,
    Server,
    Session,
    admin_connection,
    http_request,
    percentile,
    proc_status,
)
from scaleout import choose_cache, manage  # noqa: E402

SCALE = 80  # national.py's database of 80 förbund
BAR = 4.0  # the mix's p95 at most this multiple of the login page's
SHOWN_ERRORS = 5
IDLE_LOGINS = 30  # the login page alone, one at a time, before each round
PDF_DOWNLOADS = 10
PDF_ATTEMPTS = 40  # a download asks again after the waiting page at most this often
MIB = 1024 * 1024

# (key, label); "login" is asked without a session.
PAGES = [
    ("home", "home page"),
    ("plan_list", "plan list"),
    ("plan_approved", "plan page, latest approved"),
    ("document_approved", "its document HTML"),
    ("plan_draft", "plan page, kansli's draft"),
    ("budget", "budget page (the draft's)"),
    ("dashboard", "follow-up dashboard"),
    ("login", "login page (no session)"),
]

# Shell code: clears the caches and prints one SITE line (JSON) per chosen förbund: its
# kansli user and the URLs of the mix and of the draft's PDF.
DISCOVER = """
import json
from django.core.cache import cache, caches
from django.urls import reverse
from django_scopes import scopes_disabled
from associations.models import Association, Membership, Role
from plans.models import Plan

cache.clear()
caches["documents"].clear()  # drafts' PDFs: the PDF part renders them afresh
with scopes_disabled():
    associations = list(Association.objects.order_by("pk"))
    step = max(1, len(associations) // CLIENTS)
    for association in associations[::step][:CLIENTS]:
        slug = {"association_slug": association.slug}
        kansli = Membership.objects.filter(
            association=association, role=Role.KANSLI, user__username=association.slug + "-kansli"
        ).first()
        plans = Plan.objects.filter(association=association, revision_of__isnull=True)
        approved = plans.filter(status="approved").order_by("-year").first()
        draft = plans.filter(status="draft").order_by("-year").first()
        if kansli is None or approved is None or draft is None:
            continue
        def of(plan):
            return {**slug, "plan_pk": plan.pk}
        urls = {
            "home": reverse("associations:home", kwargs=slug),
            "plan_list": reverse("plans:plan_list", kwargs=slug),
            "plan_approved": reverse("plans:plan_detail", kwargs=of(approved)),
            "document_approved": reverse("documents:plan_document", kwargs=of(approved)),
            "plan_draft": reverse("plans:plan_detail", kwargs=of(draft)),
            "budget": reverse("budgets:budget_detail", kwargs=of(draft)),
            "dashboard": reverse("followup:dashboard", kwargs=slug),
            "login": reverse("login"),
        }
        pdf = reverse("documents:plan_document_pdf", kwargs=of(draft))
        print("SITE " + json.dumps({"username": kansli.user.username, "urls": urls, "pdf": pdf}))
"""

REQUEST_LINE = re.compile(r"path=(\S+) status=(\d+) duration_ms=(\d+)")


@dataclass
class Site:
    username: str
    urls: dict
    pdf: str
    cookies: dict = field(default_factory=dict)


@dataclass
class Round:
    """One run of the mix against one gunicorn: per page, the client's times of the 200
    answers and the application's (the request log's), and the other answers."""

    workers: int
    times: dict = field(default_factory=lambda: {key: [] for key, _ in PAGES})
    served: dict = field(default_factory=lambda: {key: [] for key, _ in PAGES})
    errors: dict = field(default_factory=lambda: {key: [] for key, _ in PAGES})
    idle: list = field(default_factory=list)  # the login page alone, before the round
    seconds: float = 0.0
    load: str = ""

    def add(self, other: "Round"):
        for key, _ in PAGES:
            self.times[key] += other.times[key]
            self.served[key] += other.served[key]
            self.errors[key] += other.errors[key]
        self.idle += other.idle
        self.seconds += other.seconds

    def all_times(self) -> list[float]:
        return [value for values in self.times.values() for value in values]

    @property
    def requests(self) -> int:
        return sum(len(self.times[key]) + len(self.errors[key]) for key, _ in PAGES)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ratio(self) -> float:
        mix, login = p95(self.all_times()), p95(self.times["login"])
        return mix / login if login else float("nan")


def idle_ratio(item: Round) -> float:
    """The mix's p95 over the login page's p95 alone (before the round)."""
    return p95(item.all_times()) / p95(item.idle) if item.idle else float("nan")


def p50(values: list[float]) -> float:
    return percentile(values, 0.5) * 1000 if values else float("nan")


def p95(values: list[float]) -> float:
    return percentile(values, 0.95) * 1000 if values else float("nan")


def load_average() -> str:
    return "load average " + ", ".join(Path("/proc/loadavg").read_text().split()[:3])


# Setting up -----------------------------------------------------------------------------


def database_exists() -> bool:
    with admin_connection() as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [national.DATABASES[SCALE]]
        ).fetchone()
    return found is not None


def discover(env: dict, clients: int) -> list[Site]:
    code = f"CLIENTS = {clients}\n" + DISCOVER
    sites = [
        Site(**json.loads(line.removeprefix("SITE ")))
        for line in manage(env, "shell", "-v0", "-c", code).splitlines()
        if line.startswith("SITE ")
    ]
    if not sites:
        raise BenchError("no förbund with a kansli user, an approved plan and a draft")
    return sites


def log_in(port: int, site: Site):
    """Logs in as the site's kansli user; every page of the mix must answer 200."""
    session = Session(port)
    answer = session.post_form(
        site.urls["login"], {"username": site.username, "password": PASSWORD}
    )
    if answer.status != 302:
        raise BenchError(f"logging in as {site.username} gave {answer.status}")
    site.cookies = session.cookies
    for key, path in site.urls.items():
        # The login page without a session, as the mix asks for it (with one: a redirect).
        status = (http_request(port, "GET", path) if key == "login" else session.get(path)).status
        if status != 200:
            raise BenchError(f"GET {path} ({key}) as {site.username} gave {status}")


# The mix -----------------------------------------------------------------------------------


def run_round(result: Round, port: int, sites: list[Site], clients: int, seconds: float):
    """``clients`` threads, each with its förbund's session (none for the login page),
    ask for its pages in turn until ``seconds`` have passed; client n starts at page n."""
    lock = threading.Lock()
    end = time.monotonic() + seconds
    keys = [key for key, _ in PAGES]

    def client(number: int):
        site = sites[number % len(sites)]
        cookies = dict(site.cookies)
        mine = Round(result.workers)
        for key in itertools.islice(itertools.cycle(keys), number, None):
            if time.monotonic() >= end:
                break
            path = site.urls[key]
            started = time.perf_counter()
            try:
                status = http_request(port, "GET", path, None if key == "login" else cookies).status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            if status == 200:
                mine.times[key].append(time.perf_counter() - started)
            else:
                mine.errors[key].append(f"{status} GET {path} as {site.username}")
        with lock:
            result.add(mine)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def served_times(server: Server, start: int, sites: list[Site]) -> tuple[dict, int]:
    """The application's time per page from the request log written since ``start``
    (bytes into gunicorn's log): ({key: [seconds]}, the new end)."""
    keys = {path: key for site in sites for key, path in site.urls.items()}
    with open(server.log_path, "rb") as log:
        log.seek(start)
        text = log.read().decode("utf-8", "replace")
        end = log.tell()
    found: dict = {key: [] for key, _ in PAGES}
    for path, status, duration in REQUEST_LINE.findall(text):
        if status == "200" and path in keys:
            found[keys[path]].append(int(duration) / 1000)
    return found, end


def idle_logins(port: int, path: str) -> list[float]:
    """The login page's times with nothing else asked of the server, one at a time."""
    times = []
    for _ in range(IDLE_LOGINS):
        started = time.perf_counter()
        if (status := http_request(port, "GET", path).status) != 200:
            raise BenchError(f"GET {path} gave {status}")
        times.append(time.perf_counter() - started)
    return times


def measure_mix(args, servers: dict, sites: list[Site]) -> list[Round]:
    offsets = {}
    for workers, server in servers.items():
        if args.warmup > 0:  # uncounted: each worker loads what it keeps
            print(f"warm-up, {workers} workers: {args.warmup:g} s …", flush=True)
            run_round(Round(workers), server.port, sites, args.clients, args.warmup)
        offsets[workers] = server.log_path.stat().st_size
    rounds = []
    for number in range(args.rounds):
        for workers, server in servers.items():
            print(f"round {number + 1}, {workers} workers: {args.seconds:g} s …", flush=True)
            result = Round(workers, idle=idle_logins(server.port, sites[0].urls["login"]))
            run_round(result, server.port, sites, args.clients, args.seconds)
            result.load = load_average()
            time.sleep(0.5)  # the last lines of the request log
            result.served, offsets[workers] = served_times(server, offsets[workers], sites)
            rounds.append(result)
    return rounds


def report_mix(args, rounds: list[Round], cache: str, sites: list[Site]):
    print(
        f"\n{args.clients} clients, kansli users of {len(sites)} förbund of {SCALE}; "
        f"{args.rounds} round(s) of {args.seconds:g} s per worker count after "
        f"{args.warmup:g} s warm-up; gunicorn (docker/gunicorn.conf.py) sync workers, "
        f"PostgreSQL {national.DATABASES[SCALE]}, cache: {cache}; cores: {os.cpu_count()}\n"
    )
    print(f"{'round':<8}{'workers':>8}{'requests':>10}{'req/s':>8}{'mix p95':>9}", end="")
    print(f"{'login p95':>11}{'ratio':>8}{'idle login p95':>16}{'ratio':>8}  load")
    for number, item in enumerate(rounds, 1):
        print(
            f"{number:<8}{item.workers:>8}{item.requests:>10}{item.rate:>8.1f}"
            f"{p95(item.all_times()):>9.0f}{p95(item.times['login']):>11.0f}"
            f"{item.ratio():>7.1f}x{p95(item.idle):>16.0f}{idle_ratio(item):>7.1f}x  {item.load}"
        )
    for workers in args.workers:
        pooled = Round(workers)
        for item in rounds:
            if item.workers == workers:
                pooled.add(item)
        report_pooled(pooled)


def report_pooled(pooled: Round):
    print(f"\n{pooled.workers} sync workers, the rounds pooled (ms; app: inside the application)")
    print(
        f"{'page':<30}{'requests':>9}{'errors':>8}{'p50':>8}{'p95':>8}{'app p50':>9}{'app p95':>9}"
    )
    for key, label in PAGES:
        times, served = pooled.times[key], pooled.served[key]
        print(
            f"{label:<30}{len(times) + len(pooled.errors[key]):>9}{len(pooled.errors[key]):>8}"
            f"{p50(times):>8.0f}{p95(times):>8.0f}{p50(served):>9.0f}{p95(served):>9.0f}"
        )
    everything = pooled.all_times()
    served = [value for values in pooled.served.values() for value in values]
    errors = [error for values in pooled.errors.values() for error in values]
    print(
        f"{'all of the mix':<30}{pooled.requests:>9}{len(errors):>8}{p50(everything):>8.0f}"
        f"{p95(everything):>8.0f}{p50(served):>9.0f}{p95(served):>9.0f}"
    )
    ratio = pooled.ratio()
    inside = sum(served) / sum(everything) if everything else float("nan")
    app_login = p95(pooled.served["login"])
    print(
        f"inside the application: {inside:.0%} of the clients' time (the rest: waiting in "
        f"gunicorn's queue); app p95 mix / login {p95(served) / app_login:.1f}x"
    )
    print(
        f"mix: {pooled.rate:.1f} req/s, p95 {p95(everything):.0f} ms; login page p95 "
        f"{p95(pooled.times['login']):.0f} ms; mix p95 / login p95 = {ratio:.1f}x "
        f"(bar <= {BAR:g}x): {'held' if ratio <= BAR else 'NOT HELD'}"
    )
    print(
        f"the login page alone before each round: p95 {p95(pooled.idle):.0f} ms; mix p95 / "
        f"that = {idle_ratio(pooled):.1f}x ({'within' if idle_ratio(pooled) <= BAR else 'over'}"
        f" {BAR:g}x)"
    )
    if errors:
        print(f"{len(errors)} answers were not 200; the first {min(len(errors), SHOWN_ERRORS)}:")
        for error in errors[:SHOWN_ERRORS]:
            print(f"    {error}")


# The draft PDFs ------------------------------------------------------------------------


@dataclass
class Download:
    username: str
    first: tuple = ()  # (status, seconds) of the first answer
    attempts: int = 0
    status: object = None
    seconds: float = 0.0
    longest: float = 0.0  # the longest single request
    pdf: bool = False


def download(port: int, site: Site, result: Download, start: threading.Barrier):
    session = Session(port, dict(site.cookies))
    start.wait()
    started = time.monotonic()
    while result.attempts < PDF_ATTEMPTS:
        result.attempts += 1
        asked = time.monotonic()
        try:
            answer = session.get(site.pdf)
            result.status = answer.status
        except (OSError, http.client.HTTPException) as error:
            answer, result.status = None, type(error).__name__
        took = time.monotonic() - asked
        result.longest = max(result.longest, took)
        result.first = result.first or (result.status, took)
        if answer is None or answer.status != 503:
            break
        time.sleep(int(answer.headers.get("Retry-After", "5")))
    result.seconds = time.monotonic() - started
    result.pdf = answer is not None and answer.status == 200 and answer.body.startswith(b"%PDF")


JOB_TIMES = """
SELECT extract(epoch FROM finished_at - started_at), extract(epoch FROM finished_at - enqueued_at)
FROM django_tasks_database_dbtaskresult
WHERE enqueued_at >= %s AND finished_at IS NOT NULL AND task_path LIKE '%%render_draft'
ORDER BY finished_at
"""


def database_now():
    import psycopg

    with psycopg.connect(national_url()) as connection:
        return connection.execute("SELECT now()").fetchone()[0]


def job_times(since) -> list[tuple[float, float]]:
    """(render, queued to finished) in seconds of each render job finished since ``since``."""
    import psycopg

    with psycopg.connect(national_url()) as connection:
        rows = connection.execute(JOB_TIMES, [since]).fetchall()
    return [(float(render), float(total)) for render, total in rows]


def national_url() -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{national.DATABASES[SCALE]}"


def db_worker(env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 (the process keeps it; closed with the run)
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "default,documents"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def rss_line(memory: Memory) -> str:
    return ", ".join(
        f"{values.get('VmRSS', 0) / MIB:.0f} MiB (peak {values.get('VmHWM', 0) / MIB:.0f})"
        for _pid, values in sorted(memory.workers.items())
    )


def measure_pdfs(args, env: dict, sites: list[Site], tmp: Path, timeout: int):
    workers = args.workers[0]
    env = {**env, "TASKS_BACKEND": args.pdf_backend}
    server = Server(env, workers, tmp / "gunicorn-pdfs.log")
    worker = db_worker(env, tmp / "db_worker.log") if args.pdf_backend == "database" else None
    try:
        chosen = sites[:PDF_DOWNLOADS]
        results = [Download(site.username) for site in chosen]
        before = Memory.of(server.process.pid)
        load = load_average()
        since = database_now()
        start = threading.Barrier(len(chosen))
        threads = [
            threading.Thread(target=download, args=(server.port, site, result, start))
            for site, result in zip(chosen, results, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = Memory.of(server.process.pid)
        worker_rss = Memory({worker.pid: proc_status(worker.pid)} if worker else {})
        report_pdfs(args, results, timeout, before, after, load, worker, worker_rss)
        if worker:
            report_jobs(job_times(since))
    finally:
        server.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


def report_pdfs(args, results, timeout, before, after, load, worker, worker_rss):
    print(
        f"\n{len(results)} draft PDFs asked for at once (each förbund's kansli user, its "
        f"draft); {args.workers[0]} sync workers; jobs: {args.pdf_backend}"
        f"{' (one manage.py db_worker)' if worker else ' (in the request)'}; {load}\n"
    )
    print(f"{'kansli user':<44}{'first answer':>16}{'attempts':>10}{'final':>7}{'wall s':>8}")
    for item in sorted(results, key=lambda result: result.seconds):
        first = f"{item.first[0]} in {item.first[1]:.2f} s"
        print(f"{item.username:<44}{first:>16}{item.attempts:>10}{item.status!s:>7}", end="")
        print(f"{item.seconds:>8.1f}")
    got = sum(item.pdf for item in results)
    longest = max(item.longest for item in results)
    print(
        f"\n{got} of {len(results)} got the PDF, the last after "
        f"{max(item.seconds for item in results):.1f} s; the longest single request "
        f"{longest:.2f} s against gunicorn's worker timeout of {timeout} s "
        f"(docker/gunicorn.conf.py): {'within' if longest < timeout else 'NOT within'}"
    )
    print(f"gunicorn workers' RSS before: {rss_line(before)}")
    print(f"gunicorn workers' RSS after:  {rss_line(after)}")
    if worker:
        print(f"db_worker's RSS after: {rss_line(worker_rss)}")


def report_jobs(jobs: list[tuple[float, float]]):
    if not jobs:
        print("no render job finished (the db_worker's log is in the temporary folder)")
        return
    renders = sorted(render for render, _total in jobs)
    print(
        f"{len(jobs)} render jobs, one after another: each {renders[0]:.1f}-{renders[-1]:.1f} s "
        f"(median {renders[len(renders) // 2]:.1f} s) in the db_worker's niced child; the last "
        f"finished {max(total for _render, total in jobs):.1f} s after it was queued"
    )


# Running ----------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[2], help="sync workers; several interleave [2]"
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients [20]")
    parser.add_argument("--seconds", type=float, default=30, help="length of a round [30]")
    parser.add_argument("--rounds", type=int, default=1, help="rounds per worker count [1]")
    parser.add_argument("--warmup", type=float, default=5, help="uncounted seconds first [5]")
    parser.add_argument("--pdfs", action="store_true", help="then ten draft PDFs at once")
    parser.add_argument("--no-mix", action="store_true", help="only the PDF part")
    parser.add_argument(
        "--pdf-backend",
        choices=["database", "immediate"],
        default="database",
        help="who renders the drafts: a db_worker, or the request [database]",
    )
    parser.add_argument("--reuse", action="store_true", help="skip the build if it exists")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases")
    parser.add_argument("--redis-db", type=int, default=12, help="Redis database number [12]")
    parser.add_argument(
        "--database-cache", action="store_true", help="the database cache even if Redis answers"
    )
    args = parser.parse_args()
    if min(args.workers) <= 0 or args.clients <= 0 or args.seconds <= 0 or args.rounds <= 0:
        parser.error("--workers, --clients, --seconds and --rounds must be positive")
    if args.no_mix and not args.pdfs:
        parser.error("--no-mix needs --pdfs")
    return args


def prepare(args, mail_port: int) -> tuple[dict, str, int]:
    """The server's environment, the cache's description and gunicorn's worker timeout;
    the database built first unless ``--reuse`` finds it."""
    cache_env, cache = choose_cache(args)
    if args.reuse and database_exists():
        print(f"reusing {national.DATABASES[SCALE]}", flush=True)
    else:
        national.build({scale: national.bench_env(mail_port, scale, {}) for scale in (5, 80)})
    env = national.bench_env(mail_port, SCALE, cache_env)
    # The request log as production writes it: the application's time per request.
    env["REQUEST_LOG_LEVEL"] = "INFO"
    timeout = runpy.run_path(str(ROOT / "docker" / "gunicorn.conf.py"))["timeout"]
    env["GUNICORN_TIMEOUT"] = str(timeout)
    return env, cache, timeout


def main():
    args = parse_args()
    # A plain `kill` must still stop the servers and drop the databases, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    mail = MailSink()
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    servers: dict = {}
    with tempfile.TemporaryDirectory(prefix="finsam-load-") as tmp:
        try:
            env, cache, timeout = prepare(args, mail.port)
            sites = discover(env, args.clients)
            print(f"{len(sites)} förbund: {', '.join(site.username for site in sites)}")
            print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout}")
            if not args.no_mix:
                for workers in args.workers:
                    servers[workers] = Server(env, workers, Path(tmp) / f"gunicorn-{workers}.log")
                for site in sites:
                    log_in(servers[args.workers[0]].port, site)
                rounds = measure_mix(args, servers, sites)
                for server in servers.values():
                    server.stop()
                servers.clear()
                report_mix(args, rounds, cache, sites)
            if args.pdfs:
                if args.no_mix:
                    with_server = Server(env, 1, Path(tmp) / "gunicorn-login.log")
                    servers[0] = with_server
                    for site in sites:
                        log_in(with_server.port, site)
                    with_server.stop()
                    servers.clear()
                measure_pdfs(args, env, sites, Path(tmp), timeout)
            print(f"\nuptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout}")
        finally:
            for server in servers.values():
                server.stop()
            mail.shutdown()
            if not args.keep:
                for scale in (5, 80):
                    national.recreate(scale, create=False)


if __name__ == "__main__":
    # Exit status 1 only when the bench could not run (not for a bar that does not hold).
    try:
        main()
    except BenchError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit(130)

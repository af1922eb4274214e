"""One web process against two under the same load: the throughput ratio 2 vs 1.

Creates the PostgreSQL database ``finsam_scaleout`` (or ``$SCALEOUT_DATABASE``) on
127.0.0.1:5432 (user postgres; dropped at the end, also after a failure or Ctrl-C),
migrates it and loads the demo data, and starts two gunicorns from
``docker/gunicorn.conf.py`` on two loopback ports, each with ``--workers`` sync workers
and the production settings. Both share that database and one cache: Redis at
127.0.0.1:6379 when it answers and the ``redis`` package is installed, else the
database cache. Then it runs rounds of the same load, interleaved (1, 2, 1, 2 …) so that
the machine's drift falls on both: 20 concurrent clients (threads), each logged in as
the kansli user of a demo förbund, request that förbund's home page, plan list, latest
plan, its document (HTML) and the follow-up dashboard, over and over for ``--seconds``.
In a "1 process" round every request goes to the first gunicorn; in a "2 processes"
round the requests go round-robin to both ports, as a reverse proxy would spread them.
The URLs come from the demo data (``manage.py shell``), none is written here.

What to expect. On a machine with 2 cores the ratio stays under 2x: both processes (and
the load generator's threads) share the same two cores and the same database, so the
second process gains only by overlapping waits (on PostgreSQL, on the network), which
the first process's two workers already overlap in part. On a machine with more cores
than processes x workers (and a load generator elsewhere), each worker has a core of its
own and the ratio approaches 2x, until PostgreSQL (its connections, locks and the
session write every request makes) becomes the limit.

Run from the project folder: ``.venv/bin/python bench/scaleout.py`` (see bench/README.md).
Standard library only, with the helpers of ``bench/abuse.py`` (psycopg, a dependency of
the project, creates the database).
"""

import argparse
import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from abuse import (  # noqa: E402 (the abuse bench's helpers)
    PASSWORD,
    BenchError,
    MailSink,
    Server,
    Session,
    admin_connection,
    http_request,
    percentile,
    production_env,
)

DATABASE = os.environ.get("SCALEOUT_DATABASE", "finsam_scaleout")
REDIS = ("127.0.0.1", 6379)
SHOWN_ERRORS = 5  # the first few non-200 answers are printed

# For each förbund: its kansli user and the pages of the mix, one "site" line each.
DISCOVER = """
from django.urls import reverse
from django_scopes import scopes_disabled
from associations.models import Association, Membership, Role
from plans.models import Plan
with scopes_disabled():
    for association in Association.objects.order_by("slug"):
        slug = {"association_slug": association.slug}
        kansli = Membership.objects.filter(
            association=association, role=Role.KANSLI, user__username=association.slug + "-kansli"
        ).first()
        plan = Plan.objects.filter(association=association).order_by("-year", "-pk").first()
        if kansli is None or plan is None:
            continue
        of_plan = {**slug, "plan_pk": plan.pk}
        print("site", kansli.user.username, reverse("associations:home", kwargs=slug),
              reverse("plans:plan_list", kwargs=slug),
              reverse("plans:plan_detail", kwargs=of_plan),
              reverse("documents:plan_document", kwargs=of_plan),
              reverse("followup:dashboard", kwargs=slug))
"""


@dataclass
class Site:
    username: str
    pages: list[str]
    cookies: dict = field(default_factory=dict)


@dataclass
class Round:
    processes: int
    workers: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="sync workers per gunicorn [2]")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients [20]")
    parser.add_argument("--seconds", type=float, default=20, help="length of a round [20]")
    parser.add_argument("--pairs", type=int, default=2, help="rounds of each kind [2]")
    parser.add_argument("--warmup", type=float, default=3, help="uncounted seconds first [3]")
    parser.add_argument("--redis-db", type=int, default=15, help="Redis database number [15]")
    parser.add_argument(
        "--database-cache", action="store_true", help="the database cache even if Redis answers"
    )
    args = parser.parse_args()
    for name in ("workers", "clients", "seconds", "pairs"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be positive")
    return args


def recreate_database(*, create: bool):
    import psycopg
    from psycopg import sql

    name = sql.Identifier(DATABASE)
    try:
        with admin_connection() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            if create:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL on 127.0.0.1:5432 (database {DATABASE}): {error}") from error


def redis_answers() -> bool:
    """Whether something on 127.0.0.1:6379 answers PING with PONG."""
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def choose_cache(args) -> tuple[dict, str]:
    """The CACHE_URL both gunicorns share (none: the database cache) and what to print."""
    if args.database_cache:
        return {}, "the database cache (--database-cache)"
    if not redis_answers():
        return {}, "the database cache (Redis on 127.0.0.1:6379 does not answer)"
    if find_spec("redis") is None:
        return {}, (
            "the database cache (Redis answers on 127.0.0.1:6379, but the redis package is "
            "not installed in this virtualenv)"
        )
    url = f"redis://{REDIS[0]}:{REDIS[1]}/{args.redis_db}"
    return {"CACHE_URL": url}, f"Redis at {url}"


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def discover(env: dict) -> list[Site]:
    sites = [
        Site(words[1], words[2:])
        for words in (line.split() for line in manage(env, "shell", "-c", DISCOVER).splitlines())
        if words and words[0] == "site"
    ]
    if not sites:
        raise BenchError("no förbund with a kansli user and a plan in the demo data")
    return sites


def log_in(port: int, site: Site):
    session = Session(port)
    answer = session.post_form(
        "/accounts/login/", {"username": site.username, "password": PASSWORD}
    )
    if answer.status != 302:
        raise BenchError(f"logging in as {site.username} gave {answer.status}")
    site.cookies = session.cookies
    for page in site.pages:  # every page answers before anything is measured
        if (status := session.get(page).status) != 200:
            raise BenchError(f"GET {page} as {site.username} gave {status}")


def run_round(result: Round, ports: list[int], sites: list[Site], clients: int, seconds: float):
    """``clients`` threads, each with its förbund's session, request its pages in turn
    until ``seconds`` have passed; each request goes to the next port (round-robin)."""
    turn = itertools.count()  # next() on it is atomic in CPython
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client(number: int):
        site = sites[number % len(sites)]
        cookies = dict(site.cookies)
        latencies, errors = [], []
        for page in itertools.islice(itertools.cycle(site.pages), number, None):
            if time.monotonic() >= end:
                break
            port = ports[next(turn) % len(ports)]
            started = time.perf_counter()
            try:
                status = http_request(port, "GET", page, cookies).status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors.append(f"{status} GET :{port}{page} as {site.username}")
        with lock:
            result.latencies.extend(latencies)
            result.errors.extend(errors)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def row(label: str, result: Round) -> str:
    p50 = percentile(result.latencies, 0.5) * 1000 if result.latencies else float("nan")
    p95 = percentile(result.latencies, 0.95) * 1000 if result.latencies else float("nan")
    return (
        f"{label:<14}{result.processes:>10}{result.workers:>9}{result.requests:>10}"
        f"{len(result.errors):>8}{result.rate:>9.1f}{p50:>9.1f}{p95:>9.1f}"
    )


def combined(rounds: list[Round], processes: int) -> Round:
    total = Round(processes, rounds[0].workers)
    for item in rounds:
        if item.processes == processes:
            total.latencies += item.latencies
            total.errors += item.errors
            total.seconds += item.seconds
    return total


def report(args, rounds: list[Round], cache: str):
    print(
        f"\n{args.clients} concurrent clients, {args.seconds:g} s a round, gunicorn "
        f"(docker/gunicorn.conf.py) {args.workers} sync workers a process, PostgreSQL, "
        f"cache: {cache}\n"
    )
    print(
        f"{'round':<14}{'processes':>10}{'workers':>9}{'requests':>10}{'errors':>8}"
        f"{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
    )
    for number, item in enumerate(rounds, 1):
        print(row(f"{number}", item))
    one, two = combined(rounds, 1), combined(rounds, 2)
    print(row("all of 1", one))
    print(row("all of 2", two))
    pairs = [b.rate / a.rate for a, b in zip(rounds[::2], rounds[1::2], strict=True) if a.rate]
    ratio = two.rate / one.rate if one.rate else float("nan")
    print(
        f"\nthroughput ratio 2 vs 1 process: {ratio:.2f}x "
        f"(each pair: {', '.join(f'{value:.2f}x' for value in pairs)}); "
        f"cores: {os.cpu_count()}"
    )
    errors = [error for item in rounds for error in item.errors]
    if errors:
        print(f"\n{len(errors)} answers were not 200; the first {min(len(errors), SHOWN_ERRORS)}:")
        for error in errors[:SHOWN_ERRORS]:
            print(f"    {error}")


def measure(args, servers: list[Server], sites: list[Site]) -> list[Round]:
    ports = [server.port for server in servers]
    for site in sites:
        log_in(ports[0], site)
    if args.warmup > 0:  # uncounted: both processes' workers load what they keep
        run_round(Round(2, args.workers), ports, sites, args.clients, args.warmup)
    rounds = []
    for number in range(args.pairs * 2):
        processes = 1 + number % 2
        print(f"round {number + 1}: {processes} process(es) …", flush=True)
        result = Round(processes, args.workers)
        rounds.append(run_round(result, ports[:processes], sites, args.clients, args.seconds))
    return rounds


def main():
    args = parse_args()
    # A plain `kill` must still stop the servers and drop the database, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    mail = MailSink()
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    cache_env, cache = choose_cache(args)
    env = production_env(mail.port)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        # No worker is replaced in the middle of a round (the container's default is 2000).
        GUNICORN_MAX_REQUESTS="0",
        **cache_env,
    )
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="finsam-scaleout-") as tmp:
        try:
            print(f"database {DATABASE}: migrate, load_demo …; cache: {cache}", flush=True)
            recreate_database(create=True)
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "load_demo")
            sites = discover(env)
            print(
                f"clients log in as {', '.join(site.username for site in sites)}; each asks "
                "for its förbund's home page, plan list, latest plan, its document (HTML) "
                "and follow-up dashboard in turn",
                flush=True,
            )
            for number in (1, 2):
                servers.append(Server(env, args.workers, Path(tmp) / f"gunicorn-{number}.log"))
            report(args, measure(args, servers, sites), cache)
        finally:
            for server in servers:
                server.stop()
            mail.shutdown()
            recreate_database(create=False)


def run() -> int:
    """The exit status: 1 when the bench could not run (not for answers that were not 200)."""
    try:
        main()
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(run())

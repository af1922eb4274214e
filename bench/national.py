"""The national bench: the pages of issue 19 at 5 and at 80 förbund × 10 plan years.

Builds two PostgreSQL databases on 127.0.0.1:5432 (user postgres, no password) through
the project's own loaders and services, in ``manage.py``-like child processes
(``DJANGO_SETTINGS_MODULE``, ``TASKS_BACKEND=database`` so that approvals queue their
PDFs instead of rendering them; the queued jobs are deleted, no mail is queued):

- ``finsam_national_5``: ``migrate`` and ``load_demo`` (the five demo förbund), then
  each förbund's latest plan is copied to next year (``plan_copy_to_next_year``, budget
  included) until it has 10 plan years; every copy but the last is sent to the board and
  approved (``workflow.send_for_review``, ``workflow.record_approval``, the meeting on
  20 November of the year before the plan's, the clock set to that day); the last stays
  the kansli's draft. Each approved year gets the quarter reports (approved, four
  quarters) and counts of the demo's year, shaped like them, inserted in bulk.
- ``finsam_national_80``: a copy of the first (``CREATE DATABASE … TEMPLATE``), then 75
  clones (15 of each demo förbund, slug ``<demo slug>-NN``): a new förbund with its
  parties, board, users and memberships (``associations.demo``'s helpers), its seed plan,
  budget, outcome and follow-up through the demo loaders (read from the seed förbund's
  files), then the same ten years and bulk counts. ``ANALYZE`` ends each build.

The build takes about 3½–4 minutes on a two-core machine (bench/README.md). Fixed order,
no randomness: two builds give the same rows (timestamps aside).

Then it starts two gunicorns (``docker/gunicorn.conf.py``, 2 sync workers, production
settings as in ``abuse.py``, ``BENCH_VIEWS=true``), one per database, each with a cache
of its own (Redis databases 13 and 14 when Redis answers, else the database cache),
logs in as ``samspelet-kansli`` on each, and for each page requests, one at a time,
bare@5, page@5, bare@80, page@80, … (``--warmup`` uncounted rounds, ``--requests``
counted). The query count of each page is one request in process (Django's test client,
``CaptureQueriesContext``) after one uncounted request, on each database. Prints one
table: p50, multiple of the bare view's p50 in the same rounds, queries, at 5 and at 80
förbund, the ratio of the p50s 80/5 and the issue's bar. The databases are dropped at
the end (also on failure or Ctrl-C) unless ``--keep``; ``--reuse`` skips the build when
both exist. Exit status 1 only when the bench could not run.

Run from the project folder: ``.venv/bin/python bench/national.py`` (see bench/README.md).
"""

import argparse
import json
import os
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

import abuse  # noqa: E402 (the abuse bench's helpers, and the scale-out bench's)
from abuse import BenchError, Server, Session  # noqa: E402
from scaleout import choose_cache, manage  # noqa: E402

DATABASES = {5: "finsam_national_5", 80: "finsam_national_80"}
REDIS_DBS = {5: 13, 80: 14}
YEARS = 10  # plan years per förbund
CLONES_PER_DEMO = 15  # 5 demo förbund × (1 + 15) = 80
KANSLI = "samspelet-kansli"
ASSOCIATION = "samspelet"

# (key, label, bar as a multiple of the bare view's p50)
PAGES = [
    ("plan_approved", "plan page, approved", 2),
    ("document_approved", "plan document HTML, approved", 2),
    ("plan_draft", "plan page, kansli's draft", 6),
    ("dashboard", "follow-up dashboard", 5),
    ("amounts", "amount grid (draft's budget)", 5),
    ("plan_list", "plan list", 3),
    ("plan_history", "plan history (approved)", 4),
    ("budget_history", "budget history (approved)", 4),
]
SCALE_BAR = 1.1  # a page at 80 förbund within 1.1x of the same page at 5


# The build: runs in a child process with Django set up ---------------------------------


def django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    import django

    django.setup()


def approve(plan, kansli):
    """Send ``plan`` to the board and record its approval, the meeting on 20 November of
    the year before the plan's; the clock is set to that day so that the workflow's
    checks (deadline not past, meeting not in the future) hold for every year."""
    import datetime
    from unittest import mock

    from plans import workflow

    day = datetime.date(plan.year - 1, 11, 20)
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        plan = workflow.send_for_review(document=plan, acting_user=kansli, deadline=day)
        workflow.record_approval(
            document=plan,
            acting_user=kansli,
            meeting_date=day,
            paragraph=f"§ {plan.year % 100}",
            dnr=f"{plan.year}/1",
        )


def extend_years(association, kansli):
    """Copy the förbund's latest plan to next year until it has ``YEARS`` plan years;
    approve each copy but the last (the kansli's draft)."""
    from django_scopes import scope

    from plans.models import Plan
    from plans.services import plan_copy_to_next_year

    with scope(association=association):
        plans = Plan.objects.filter(association=association, revision_of__isnull=True)
        years = set(plans.values_list("year", flat=True))
        latest = plans.order_by("-year").first()
        while len(years) < YEARS:
            latest = plan_copy_to_next_year(plan=latest, acting_user=kansli)
            years.add(latest.year)
            if len(years) < YEARS:
                approve(latest, kansli)


def demo_counts(association):
    """The demo year's quarter figures by intervention: {pk: {quarter: [(measure, gender,
    value)]}}, and that year (None when the demo has none for this förbund)."""
    from followup.models import QuarterValue

    shape, year = {}, None
    values = QuarterValue.objects.filter(association=association).select_related("report")
    for value in values.order_by("report__intervention_id", "report__quarter", "pk"):
        report = value.report
        year = report.year
        quarters = shape.setdefault(report.intervention_id, {})
        quarters.setdefault(report.quarter, []).append(
            (value.measure_id, value.gender, value.value)
        )
    return shape, year


def standard_shape(association) -> dict:
    """Figures for a förbund whose demo has none: every standard measure, each quarter."""
    from followup.models import Gender
    from followup.services import standard_measures_ensure

    measures = sorted(standard_measures_ensure(association=association), key=lambda m: m.pk)
    genders = {True: [Gender.WOMEN, Gender.MEN], False: [Gender.ALL]}
    return {
        quarter: [
            (measure.pk, gender, 3 + quarter + index % 7)
            for index, measure in enumerate(measures)
            for gender in genders[measure.by_gender]
        ]
        for quarter in range(1, 5)
    }


def count_rows(association):
    """(report, figures) for four approved quarters a year of every intervention of the
    förbund, for every approved plan year but the demo's: an intervention's own demo
    figures (the quarter's, or the last quarter the demo has), else those of another
    intervention of the förbund, chosen by pk."""
    from followup.models import QuarterReport
    from plans.models import Intervention, Plan

    shape, demo_year = demo_counts(association)
    shapes = list(shape.values()) or [standard_shape(association)]
    years = Plan.objects.filter(
        association=association, status=Plan.Status.APPROVED, revision_of__isnull=True
    ).values_list("year", flat=True)
    interventions = Intervention.objects.filter(association=association).order_by("pk")
    rows = []
    for year in sorted(set(years) - {demo_year}):
        for intervention in interventions.values_list("pk", flat=True):
            quarters = shape.get(intervention) or shapes[intervention % len(shapes)]
            for quarter in range(1, 5):
                report = QuarterReport(
                    association=association,
                    intervention_id=intervention,
                    year=year,
                    quarter=quarter,
                    status=QuarterReport.Status.APPROVED,
                    version=3,
                )
                rows.append((report, quarters.get(quarter) or quarters[max(quarters)]))
    return rows


def bulk_counts(association):
    """The quarter reports and counts of ``count_rows``, each count moved by a small fixed
    step per year, in bulk: the services would take an hour at this scale."""
    from django_scopes import scope

    from followup.models import QuarterReport, QuarterValue

    with scope(association=association):
        rows = count_rows(association)
        QuarterReport.objects.bulk_create([report for report, _ in rows], batch_size=2000)
        values = [
            QuarterValue(
                association=association,
                report=report,
                measure_id=measure,
                gender=gender,
                value=value + report.year % 3,
            )
            for report, figures in rows
            for measure, gender, value in figures
        ]
        QuarterValue.objects.bulk_create(values, batch_size=5000)


def complete(association):
    """Ten plan years and their counts for one förbund."""
    from associations.models import User

    kansli = User.objects.get(username=f"{association.slug}-kansli")
    extend_years(association, kansli)
    bulk_counts(association)


def clone_association(source: str, number: int, hasher_cache: dict):
    """A new förbund like the demo's ``source``: its parties, board, contacts, users."""
    from django_scopes import scope

    from associations import demo
    from associations.models import Membership

    data = demo.read_demo_file(source)
    slug = f"{source}-{number:02d}"
    data.update(slug=slug, name=f"{data['name']} {number:02d}", invitations=[])
    if data.get("short_name"):
        data["short_name"] = f"{data['short_name']} {number:02d}"
    association = demo._load_association(data)
    with scope(association=association):
        for role, title in demo.ROLE_NAMES.items():
            user = demo._demo_user(
                f"{slug}-{role}",
                first_name=title,
                last_name=association.display_name,
                hasher_cache=hasher_cache,
            )
            Membership.objects.create(association=association, user=user, role=role)
    return association


def seed_files_of(source: str):
    """The demo loaders read their seed files by the förbund's slug: a clone reads its
    source's (patched for the clone's load only)."""
    from contextlib import ExitStack
    from unittest import mock

    import budgets.demo
    import followup.demo
    import plans.demo

    stack = ExitStack()
    for module, name in [
        (plans.demo, "read_demo_plan"),
        (budgets.demo, "read_demo_budget"),
        (followup.demo, "read_demo_followup"),
    ]:
        original = getattr(module, name)
        stack.enter_context(mock.patch.object(module, name, lambda _slug, f=original: f(source)))
    sie = budgets.demo.demo_sie_file
    stack.enter_context(
        mock.patch.object(budgets.demo, "demo_sie_file", lambda _slug, year: sie(source, year))
    )
    return stack


def load_clone(source: str, number: int, hasher_cache: dict):
    from django.db import transaction

    from associations.models import User
    from budgets.demo import load_demo_budget, load_demo_outcome
    from followup.demo import load_demo_followup
    from plans.demo import load_demo_plan

    with transaction.atomic(), seed_files_of(source):
        association = clone_association(source, number, hasher_cache)
        plan = load_demo_plan(association, before_approval=load_demo_budget)
        load_demo_budget(plan)
        kansli = User.objects.get(username=f"{association.slug}-kansli")
        load_demo_outcome(plan, user=kansli)
        load_demo_followup(association, plan)
    return association


def build_step(step: str):
    """``extend``: ten years for every förbund there (the demo's five); ``clones``: the 75
    clones, each with its ten years. Then the queued jobs go and ``ANALYZE`` runs."""
    django_setup()
    from django.db import connection
    from django_scopes import scopes_disabled
    from django_tasks_db.models import DBTaskResult

    from associations import outbox
    from associations.demo import DEMO_SLUGS
    from associations.models import Association

    with outbox.muted():
        if step == "extend":
            with scopes_disabled():
                associations = list(Association.objects.order_by("pk"))
            for association in associations:
                complete(association)
        else:
            hasher_cache: dict = {}
            for number in range(1, CLONES_PER_DEMO + 1):
                for source in DEMO_SLUGS:
                    complete(load_clone(source, number, hasher_cache))
                print(f"  clones {number:02d} of {CLONES_PER_DEMO} done", flush=True)
    DBTaskResult.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(json.dumps(totals()), flush=True)


def totals() -> dict:
    from django_scopes import scopes_disabled

    from associations.models import Association
    from followup.models import QuarterReport, QuarterValue
    from plans.models import Plan

    with scopes_disabled():
        return {
            "associations": Association.objects.count(),
            "plans": Plan.objects.count(),
            "reports": QuarterReport.objects.count(),
            "values": QuarterValue.objects.count(),
        }


# Measuring -----------------------------------------------------------------------------

# Shell code: the pages' URLs (samspelet's latest approved plan and its draft) and each
# page's query count, one request in process after an uncounted one; prints JSON.
QUERY_COUNTS = """
import json
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled
from associations.models import User
from plans.models import Plan

cache.clear()  # nothing kept from an earlier run
with scopes_disabled():
    plans = Plan.objects.filter(association__slug=SLUG, revision_of__isnull=True)
    approved = plans.filter(status="approved").order_by("-year").first()
    draft = plans.filter(status="draft").order_by("-year").first()
    user = User.objects.get(username=KANSLI)
slug = {"association_slug": SLUG}
def of(plan):
    return {**slug, "plan_pk": plan.pk}
urls = {
    "bare": "/bench/bare/",
    "plan_approved": reverse("plans:plan_detail", kwargs=of(approved)),
    "document_approved": reverse("documents:plan_document", kwargs=of(approved)),
    "plan_draft": reverse("plans:plan_detail", kwargs=of(draft)),
    "dashboard": reverse("followup:dashboard", kwargs=slug),
    "amounts": reverse("budgets:budget_amounts", kwargs=of(draft)),
    "plan_list": reverse("plans:plan_list", kwargs=slug),
    "plan_history": reverse("plans:history", kwargs=of(approved)),
    "budget_history": reverse("plans:budget_history", kwargs=of(approved)),
}
client = Client()
client.force_login(user)
queries, status = {}, {}
for key, url in urls.items():
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        status[key] = client.get(url).status_code
    queries[key] = len(captured.captured_queries)
print("RESULT " + json.dumps({"urls": urls, "queries": queries, "status": status}))
"""


def bench_env(mail_port: int, scale: int, cache_env: dict) -> dict:
    env = abuse.production_env(mail_port)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASES[scale]}",
        BENCH_VIEWS="true",
        TASKS_BACKEND="database",  # an approval queues its PDFs; nothing renders them
        GUNICORN_MAX_REQUESTS="0",  # no worker is replaced during the run
        **cache_env,
    )
    return env


def query_counts(env: dict) -> dict:
    code = f"SLUG = {ASSOCIATION!r}\nKANSLI = {KANSLI!r}\n" + QUERY_COUNTS
    shell_env = {**env, "ALLOWED_HOSTS": "127.0.0.1,testserver"}
    for line in manage(shell_env, "shell", "-v0", "-c", code).splitlines():
        if line.startswith("RESULT "):
            found = json.loads(line.removeprefix("RESULT "))
            wrong = {key: code for key, code in found["status"].items() if code != 200}
            if wrong:
                raise BenchError(f"in process, pages answered {wrong} ({found['urls']})")
            return found
    raise BenchError("the query count printed nothing")


def timed_get(session: Session, path: str) -> float:
    started = time.perf_counter()
    answer = session.get(path)
    seconds = time.perf_counter() - started
    if answer.status != 200:
        raise BenchError(f"GET {path} answered {answer.status}")
    return seconds


@dataclass
class Sample:
    """One page's times: bare and page at each scale, from the same rounds."""

    times: dict = field(default_factory=lambda: {(s, k): [] for s in (5, 80) for k in "bp"})

    def p50(self, scale: int, kind: str) -> float:
        return abuse.percentile(self.times[(scale, kind)], 0.5) * 1000


def measure_page(sessions: dict, urls: dict, key: str, args) -> Sample:
    """Rounds of bare@5, page@5, bare@80, page@80, one request at a time."""
    sample = Sample()
    for number in range(args.warmup + args.requests):
        for scale in (5, 80):
            for kind, path in (("b", urls[scale]["bare"]), ("p", urls[scale][key])):
                seconds = timed_get(sessions[scale], path)
                if number >= args.warmup:
                    sample.times[(scale, kind)].append(seconds)
    return sample


def log_in(port: int) -> Session:
    session = Session(port)
    answer = session.post_form("/accounts/login/", {"username": KANSLI, "password": abuse.PASSWORD})
    if answer.status != 302:
        raise BenchError(f"logging in as {KANSLI} on port {port} gave {answer.status}")
    return session


def report(samples: dict, counts: dict, args, cache: str):
    print(
        f"\n{args.requests} rounds a page after {args.warmup} uncounted, one request at a "
        "time: bare@5, page@5, bare@80, page@80; gunicorn (docker/gunicorn.conf.py) 2 sync "
        f"workers per database, PostgreSQL, cache: {cache}; samspelet-kansli\n"
    )
    print(
        f"{'page':<30}{'p50@5':>8}{'x bare':>8}{'q@5':>5}{'p50@80':>9}{'x bare':>8}{'q@80':>6}"
        f"{'80/5':>7}  bar"
    )
    for scale in (5, 80):
        bare = [sample.p50(scale, "b") for sample in samples.values()]
        print(
            f"  bare view @{scale}: p50 {min(bare):.1f}–{max(bare):.1f} ms over the pages' rounds"
        )
    held = {"bar": 0, "scale": 0}
    for key, label, bar in PAGES:
        sample = samples[key]
        page = {scale: sample.p50(scale, "p") for scale in (5, 80)}
        times = {scale: page[scale] / sample.p50(scale, "b") for scale in (5, 80)}
        scaled = page[80] / page[5]
        held["bar"] += times[80] <= bar
        held["scale"] += scaled <= SCALE_BAR
        print(
            f"{label:<30}{page[5]:>8.1f}{times[5]:>7.1f}x{counts[5][key]:>5}"
            f"{page[80]:>9.1f}{times[80]:>7.1f}x{counts[80][key]:>6}{scaled:>6.2f}x"
            f"  <= {bar}x: {'held' if times[80] <= bar else 'NOT HELD'}"
            f", 80/5: {'held' if scaled <= SCALE_BAR else 'NOT HELD'}"
        )
    print(f"\nbare view: {counts[5]['bare']} queries @5, {counts[80]['bare']} @80")
    print(
        f"x bare (at 80) within the page's bar: {held['bar']} of {len(PAGES)}; "
        f"80/5 within {SCALE_BAR}x: {held['scale']} of {len(PAGES)}; cores: {os.cpu_count()}"
    )


def databases_exist() -> bool:
    with abuse.admin_connection() as connection:
        names = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
    return set(DATABASES.values()) <= names


def recreate(scale: int, *, template: str | None = None, create: bool = True):
    import psycopg
    from psycopg import sql

    name = sql.Identifier(DATABASES[scale])
    try:
        with abuse.admin_connection() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            if create and template:
                connection.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(name, sql.Identifier(template))
                )
            elif create:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    except psycopg.Error as error:
        raise BenchError(f"PostgreSQL on 127.0.0.1:5432 ({DATABASES[scale]}): {error}") from error


def build_in_child(env: dict, step: str):
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--build-step", step],
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )
    if done.returncode != 0:
        raise BenchError(f"build step {step} failed (status {done.returncode})")


def build(envs: dict):
    """The two databases; prints each part's time."""
    started = time.perf_counter()
    print(f"build {DATABASES[5]}: migrate, load_demo, ten years …", flush=True)
    recreate(5)
    manage(envs[5], "migrate", "--noinput", "-v0")
    manage(envs[5], "load_demo")
    build_in_child(envs[5], "extend")
    first = time.perf_counter() - started
    print(f"build {DATABASES[80]}: a copy of {DATABASES[5]}, then 75 clones …", flush=True)
    recreate(80, template=DATABASES[5])
    build_in_child(envs[80], "clones")
    total = time.perf_counter() - started
    print(f"build: {first:.0f} s for 5 förbund, {total:.0f} s in all ({total / 60:.1f} min)")


def measure(envs: dict, tmp: Path, args) -> tuple[dict, dict]:
    counts, urls, sessions, servers = {}, {}, {}, []
    try:
        for scale in (5, 80):
            found = query_counts(envs[scale])
            counts[scale], urls[scale] = found["queries"], found["urls"]
            servers.append(Server(envs[scale], 2, tmp / f"gunicorn-{scale}.log"))
            sessions[scale] = log_in(servers[-1].port)
        samples = {}
        for key, label, _bar in PAGES:
            print(f"measuring {label} …", flush=True)
            samples[key] = measure_page(sessions, urls, key, args)
        return samples, counts
    finally:
        for server in servers:
            server.stop()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="counted rounds a page [40]")
    parser.add_argument("--warmup", type=int, default=5, help="uncounted rounds first [5]")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases")
    parser.add_argument("--reuse", action="store_true", help="skip the build if both exist")
    parser.add_argument(
        "--database-cache", action="store_true", help="the database cache even if Redis answers"
    )
    args = parser.parse_args()
    if args.requests <= 0 or args.warmup < 0:
        parser.error("--requests must be positive, --warmup not negative")
    return args


def main():
    args = parse_args()
    # A plain `kill` must still stop the servers and drop the databases, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    mail = abuse.MailSink()
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    envs, cache = {}, ""
    for scale in (5, 80):
        choice = argparse.Namespace(database_cache=args.database_cache, redis_db=REDIS_DBS[scale])
        cache_env, cache = choose_cache(choice)
        envs[scale] = bench_env(mail.port, scale, cache_env)
    with tempfile.TemporaryDirectory(prefix="finsam-national-") as tmp:
        try:
            if args.reuse and databases_exist():
                print(f"reusing {DATABASES[5]} and {DATABASES[80]}", flush=True)
            else:
                build(envs)
            samples, counts = measure(envs, Path(tmp), args)
            report(samples, counts, args, cache.replace("/14", "/13 and /14"))
        finally:
            mail.shutdown()
            if not args.keep:
                for scale in (5, 80):
                    recreate(scale, create=False)


if __name__ == "__main__":
    # Exit status 1 only when the bench could not run (not for a bar that does not hold).
    try:
        build_step(sys.argv[2]) if sys.argv[1:2] == ["--build-step"] else main()
    except BenchError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit(130)

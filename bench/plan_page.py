"""Render time and query count of each demo plan's page, in process.

Builds a throwaway SQLite database with the demo data, then for every förbund renders
its plan page through Django's test client as the kansli user (the heaviest view: it
has the edit controls) and as the revisor, N times each, and prints p50 / p95 in ms and
the number of SQL queries per request. No network; the figures are for comparing
changes on one machine, not promises.

    .venv/bin/python bench/plan_page.py [--runs 30]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="renders per plan and role")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="finsam-bench-plan-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    os.environ.update(DEBUG="false", SECRET_KEY="bench-only-" + "x" * 50)
    os.environ.update(ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="false")
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    sys.path.insert(0, str(ROOT))

    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at")  # static files come from the finders

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_scopes import scopes_disabled

    from associations.models import User
    from plans.models import Plan

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    with scopes_disabled():
        plans = list(Plan.objects.select_related("association").order_by("association__slug"))
        sizes = {
            plan.pk: (plan.plan_interventions.count(), plan.measurement_points.count())
            for plan in plans
        }

    header = ("plan", "role", "ints", "mps", "p50 ms", "p95 ms", "queries")
    print("{:<44} {:<8} {:>4} {:>4} {:>7} {:>7} {:>7}".format(*header))
    for plan in plans:
        slug = plan.association.slug
        url = reverse("plans:plan_detail", kwargs={"association_slug": slug, "plan_pk": plan.pk})
        for role in ("kansli", "revisor"):
            client = Client()
            client.force_login(User.objects.get(username=f"{slug}-{role}"))
            client.get(url)  # warm-up
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    print(f"{url}: HTTP {response.status_code}", file=sys.stderr)
                    return 1
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            interventions, points = sizes[plan.pk]
            print(
                f"{slug:<44} {role:<8} {interventions:>4} {points:>4} "
                f"{statistics.median(times):>7.1f} {p95:>7.1f} {len(queries):>7}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time the import of a 500-line budget workbook, and the budget page of that budget.

Builds a throwaway SQLite database with the demo data, gives a new Insjöriket draft plan
a budget of ``--lines`` lines in five columns, writes a workbook of it (the app's own
export, every amount then changed), and times, ``--runs`` times each:

- reading the workbook (``importing.read_workbook``: openpyxl twice, values and formulas);
- writing it (``services.import_apply``: every amount changed, with history);
- the whole upload through the view, as the kansli user;
- the budget page (``/f/insjoriket/budgets/plans/<pk>/``) and the amount grid.

Prints p50 / p95 in ms, the SQL queries per request and peak Python memory. No network.

    .venv/bin/python bench/budget_import.py [--lines 500] [--runs 5]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def summary(label, times, queries=None, peak=None):
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    extra = f"{queries:>8}" if queries is not None else f"{'':>8}"
    memory = f"{peak / 2**20:>9.1f}" if peak is not None else ""
    print(f"{label:<34}{statistics.median(times):>9.1f}{p95:>9.1f}{extra}{memory}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="finsam-bench-budget-")
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
    from decimal import Decimal
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_scopes import scope
    from openpyxl import load_workbook

    from associations.models import Association, User
    from budgets import services
    from budgets.excel import budget_workbook
    from budgets.importing import read_workbook
    from budgets.models import BudgetAmount, BudgetGroup, BudgetLine
    from budgets.selectors import budget_table
    from plans.services import plan_create

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    association = Association.objects.get(slug="insjoriket")
    with scope(association=association):
        plan = plan_create(
            association=association, acting_user=None, year=2030, end_year=2032, title="Bench"
        )
        budget = services.budget_create(plan=plan, acting_user=None)
        columns = list(budget.columns.all())
        groups = [g for g in budget.groups.all() if g.side == BudgetGroup.Side.COST]
        lines = BudgetLine.objects.bulk_create(
            BudgetLine(
                association=association,
                group=groups[i % len(groups)],
                name=f"Insats {i:04d}",
                order=i,
            )
            for i in range(args.lines)
        )
        BudgetAmount.objects.bulk_create(
            BudgetAmount(
                association=association, line=line, column=column, amount=Decimal(100_000 + i)
            )
            for i, line in enumerate(lines)
            for column in columns
        )
        exported = budget_workbook(budget_table(budget=budget), title=plan.title)

    def changed_workbook(run):
        book = load_workbook(BytesIO(exported))
        for row in book["Budget"].iter_rows(min_row=3):
            for cell in row[1 : 1 + len(columns)]:
                if isinstance(cell.value, int):
                    cell.value += run + 1
        output = BytesIO()
        book.save(output)
        return output.getvalue()

    workbooks = [changed_workbook(run) for run in range(args.runs * 2 + 1)]
    print(
        f"{args.lines} lines x {len(columns)} columns, "
        f"workbook {len(workbooks[0]) / 1024:.0f} KiB, {args.runs} runs, SQLite, DEBUG=false\n"
    )
    print(f"{'':<34}{'p50 ms':>9}{'p95 ms':>9}{'queries':>8}{'peak MiB':>9}")
    print("(peak MiB: Python allocations during one whole import, read and write)")

    def import_once(data):
        budget.refresh_from_db()
        start = time.perf_counter()
        parsed = read_workbook(data, budget=budget)
        read = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            changes = services.import_apply(
                budget=budget,
                acting_user=None,
                expected_version=budget.version,
                new_lines=parsed.new_lines,
                amounts=parsed.amounts,
                stated=parsed.stated,
            )
        assert changes.changed_amounts == args.lines * len(columns), changes
        return read, (time.perf_counter() - start) * 1000, len(queries)

    read_times, write_times = [], []
    with scope(association=association):
        for run in range(args.runs):
            read, write, query_count = import_once(workbooks[run])
            read_times.append(read)
            write_times.append(write)
        # One more import under tracemalloc (which slows Python down) for the peak memory.
        tracemalloc.start()
        import_once(workbooks[-1])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    summary("read_workbook", read_times, None, peak)
    summary("import_apply (all amounts changed)", write_times, query_count)

    client = Client()
    client.force_login(User.objects.get(username="insjoriket-kansli"))
    kwargs = {"association_slug": association.slug, "plan_pk": plan.pk}
    upload_times = []
    for run in range(args.runs):
        budget.refresh_from_db()
        start = time.perf_counter()
        response = client.post(
            reverse("budgets:budget_import", kwargs=kwargs),
            {"file": SimpleUploadedFile("b.xlsx", workbooks[args.runs + run])},
        )
        upload_times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302, response.status_code
    summary("upload through the view", upload_times)

    for name, label in (
        ("budgets:budget_detail", "budget page"),
        ("budgets:budget_amounts", "amount grid"),
    ):
        times = []
        for _run in range(args.runs):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse(name, kwargs=kwargs))
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        summary(f"{label} ({len(response.content) // 1024} KiB)", times, len(queries))
    return 0


if __name__ == "__main__":
    sys.exit(main())

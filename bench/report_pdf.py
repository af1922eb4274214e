"""The largest demo annual report as PDF, against the plan PDF's limits.

Builds a throwaway SQLite database with the demo data, creates the 2022 annual report
of each förbund whose 2022 plan is approved (the demo's, or made with
``reports.services.report_create`` where the demo has none), and takes the one whose
document HTML is the largest. Then, as ``bench/plan_pdf.py`` does
(its helpers are imported, not copied):

1. renders that HTML N times with WeasyPrint in a fresh process that loads
   ``finsam.wsgi`` as a gunicorn worker does (``plan_pdf.weasyprint_child``: the same
   ``documents.pdf.render_pdf`` serves both documents), after one uncounted first render,
   recording wall time, CPU time and the peak resident memory;
2. times serving the stored PDF once the report is approved (what every download after
   the decision costs).

Prints the medians in ``plan_pdf.py``'s format and whether the limits hold (under
1.5 s CPU and 150 MiB peak). No Chromium comparison: the engine question is answered
for the plan; the report only has to stay inside the same limits. No network.

    .venv/bin/python bench/report_pdf.py [--runs 5]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from plan_pdf import mib, weasyprint_child  # noqa: E402 (the plan bench's helpers)

LIMIT_SECONDS = 1.5
LIMIT_MIB = 150


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="renders")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="finsam-bench-report-pdf-"))
    try:
        return run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def setup(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    os.environ.update(DEBUG="false", SECRET_KEY="bench-only-" + "x" * 50)
    os.environ.update(ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="false")
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ["PDF_RENDER_NICE"] = "0"
    sys.path.insert(0, str(ROOT))
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)


def largest_report():
    """``(report, html)``: the 2022 annual report with the largest document, each
    created if the demo has none. Logos are removed: the child renders without one."""
    from django_scopes import scope, scopes_disabled

    from associations.models import AssociationLogo, Membership, Role
    from plans.models import Plan
    from reports import document
    from reports.models import AnnualReport
    from reports.services import report_create

    with scopes_disabled():
        AssociationLogo.objects.all().delete()
        plans = list(
            Plan.objects.filter(year=2022, status=Plan.Status.APPROVED).select_related(
                "association"
            )
        )
        kansli = {m.association_id: m.user for m in Membership.objects.filter(role=Role.KANSLI)}
    built = []
    for plan in plans:
        association = plan.association
        with scope(association=association):
            report = AnnualReport.objects.filter(
                association=association, year=2022, kind=AnnualReport.Kind.ANNUAL
            ).first() or report_create(
                association=association,
                acting_user=kansli[association.pk],
                year=2022,
                kind=AnnualReport.Kind.ANNUAL,
            )
            start = time.perf_counter()
            context = document.document_context(report=report, association=association)
            html = document.render_document_html(context=context, for_screen=False)
            built.append((len(html), report, html, time.perf_counter() - start))
    return max(built, key=lambda item: item[0])[1:]


def stored_download_times(report) -> list[float]:
    """Approve the report if the demo has not (as ``record_approval`` leaves it), let its
    receiver archive the files, and time 20 downloads of the stored PDF."""
    from django_scopes import scope

    from plans import extensions
    from reports import document
    from reports.models import AnnualReport

    with scope(association=report.association):
        if report.status != AnnualReport.Status.APPROVED:  # the demo's are approved already
            AnnualReport.objects.filter(pk=report.pk).update(
                status=AnnualReport.Status.APPROVED, approved_on=report.plan.approved_on
            )
            report.refresh_from_db()
        extensions.document_approved(document=report)
        times = []
        for _ in range(20):
            start = time.perf_counter()
            document.report_pdf(report=report, association=report.association, variant="pdf")
            times.append(time.perf_counter() - start)
    return times


def run(args, folder: Path) -> int:
    setup(folder)
    report, html, html_seconds = largest_report()
    saved = folder / "report.html"
    saved.write_text(html, encoding="utf-8")
    figures = weasyprint_child(saved, args.runs)
    stored = stored_download_times(report)
    wall = statistics.median(figures["walls"])
    cpu = statistics.median(figures["cpus"])
    peak = mib(figures["rss_peak_kib"])
    print(f"report: {report.title} ({report.association.name}), {args.runs} runs, medians")
    print(f"HTML from the templates (queries + rendering): {html_seconds * 1000:.0f} ms")
    print(
        f"WeasyPrint {wall * 1000:6.0f} ms wall {cpu * 1000:6.0f} ms CPU"
        f" {figures['pages']:>3} pages {figures['size'] / 1024:5.0f} KiB"
        f"  peak RSS {peak:.0f} MiB"
        f" ({mib(figures['rss_before_kib']):.0f} MiB with Django loaded, before rendering)"
        f"  Python allocations peak {figures['traced_peak'] / 2**20:.0f} MiB"
    )
    print(
        "WeasyPrint, a worker's first render (not in the median):"
        f" {figures['first'] * 1000:.0f} ms wall"
    )
    held = cpu < LIMIT_SECONDS and peak < LIMIT_MIB
    print(
        f"limits (under {LIMIT_SECONDS} s CPU and {LIMIT_MIB} MiB, as the plan PDF):"
        f" {'held' if held else 'NOT HELD'}"
    )
    stored_ms = statistics.median(stored) * 1000
    print(f"stored PDF of the approved report: {stored_ms:.1f} ms per download")
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())

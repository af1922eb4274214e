"""The annual report as one document: an HTML page and a PDF from the same templates,
through the plan document's machinery (``documents.pdf``: the render, its fetcher, the
draft cache and slots, the archive of an approved document's files).

The report is public: every count it prints is suppressed (1–4 as "färre än 5", and
what would let one be worked out) whoever reads it, the kansli included. Like the
plan's, it is always rendered in the site language.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_scopes import scope
from django_tasks import task

from associations.models import Association, AssociationLogo
from budgets.outcome import OutcomeSummary, OutcomeTable, outcome_summary
from documents import pdf
from followup.charts import participants_by_gender_chart
from followup.selectors import QUARTERS, year_figures
from followup.suppression import PublishedTable, suppress_table
from plans.tasks import GONE

from .models import AnnualReport, ReportDocument
from .selectors import InterventionRow, report_outcome, report_page

TEMPLATE = "reports/document/document.html"
ARCHIVE = pdf.Archive(ReportDocument, "report", every_version=True)


def archive_key(report: AnnualReport) -> str:
    """The approval, and the auditors' statement once recorded: the archive keeps the
    report as the board approved it and, once audited, with the statement too."""
    statement = ""
    if report.has_auditors_statement:
        statement = "|".join(
            [
                report.auditors_statement_on.isoformat(),
                str(report.auditors_recommend_discharge),
                hashlib.sha256(report.auditors_statement.encode()).hexdigest()[:16],
            ]
        )
    return f"{pdf.approval_key(report)}|{statement}"


# The measure the chart counts per quarter: the participants active in it.
PARTICIPANTS = "active"
GENDERS = ("women", "men")


@dataclass
class InterventionPage:
    """One intervention's year as the report prints it: its published figures (as the
    report page shows them to anyone but the kansli) and its chart."""

    row: InterventionRow
    chart: str  # empty when no quarter of the year has a figure: no chart of nothing


def quarters_of(report: AnnualReport) -> tuple[int, ...]:
    return QUARTERS[:2] if report.kind == AnnualReport.Kind.INTERIM else QUARTERS


def intervention_pages(report: AnnualReport, rows: list[InterventionRow]) -> list[InterventionPage]:
    """Each intervention's published row with its chart of participants by gender per
    quarter, the quarters' counts suppressed as every count of the report is."""
    figures = year_figures(association=report.association, year=report.year)
    quarters = quarters_of(report)
    pages = []
    for row in rows:
        iid = row.result.plan_intervention.intervention_id
        table = suppress_table(
            [[figures.get((iid, q, PARTICIPANTS, g)) for g in GENDERS] for q in quarters],
            suppress=True,
        )
        pages.append(InterventionPage(row, quarter_chart(row, quarters, table)))
    return pages


def quarter_chart(row: InterventionRow, quarters, table: PublishedTable) -> str:
    """The chart of the published participants by gender per quarter; none when no
    quarter has a figure (a chart of empty quarters says nothing, and each one costs
    the PDF a tenth of a second and memory)."""
    if all(cell.value is None for cells in table.cells for cell in cells):
        return ""
    name = row.result.plan_intervention.name
    return participants_by_gender_chart(
        [
            (f"Kv{q}", cells[0].shown, cells[1].shown)
            for q, cells in zip(quarters, table.cells, strict=True)
        ],
        title=_("%(name)s: participants by gender per quarter") % {"name": name},
        for_document=True,
    )


def finances(report: AnnualReport) -> tuple[OutcomeTable | None, OutcomeSummary | None]:
    """Budget against outcome (``selectors.report_outcome``) and the year's summary."""
    table = report_outcome(report)
    if table is None:
        return None, None
    return table, outcome_summary(budget=table.budget, table=table)


def document_context(
    *, report: AnnualReport, association, today: datetime.date | None = None
) -> dict:
    """What the document shows, in the site language whatever the reader's."""
    with translation.override(settings.LANGUAGE_CODE):
        today = today or timezone.localdate()
        logo = AssociationLogo.objects.filter(association=association).first()
        outcome, summary = finances(report)
        # What the report page shows anyone but the kansli: the report is public.
        page = report_page(report=report, suppress=True)
        return {
            "report": report,
            "association": association,
            "document_title": report.title,
            "approval_line": pdf.approval_line(report, today=today),
            "document_date": pdf.document_date(report, today=today),
            "sections": [section for section in page.sections if section.body.strip()],
            "goal_groups": page.goal_groups,
            "interventions": intervention_pages(report, page.interventions),
            "controls": page.controls,
            "outcome_table": outcome,
            "summary": summary,
            "logo": logo,
            "logo_url": pdf.logo_url(association, logo),
        }


def render_document_html(*, context: dict, request=None, for_screen: bool) -> str:
    return pdf.render_html(TEMPLATE, context=context, request=request, for_screen=for_screen)


def document_filename(
    *, report: AnnualReport, association, variant: str, today: datetime.date
) -> str:
    """The download's name: förbund, title, and approved (with the decision's date) or
    draft (with today's date)."""
    with translation.override(settings.LANGUAGE_CODE):
        if report.status == AnnualReport.Status.APPROVED:
            date = report.approved_on.isoformat() if report.approved_on else ""
            state = _("approved %(date)s") % {"date": date}
        else:
            state = _("draft %(date)s") % {"date": today.isoformat()}
        archive = _("archive") if variant == ReportDocument.Variant.PDFA else ""
    return slugify(f"{association.display_name} {report.title} {state} {archive}") + ".pdf"


def report_pdf(
    *, report: AnnualReport, association, variant: str, user_id: int | None = None
) -> bytes:
    """The report's PDF: an approved report's as archived at the decision (rendered and
    stored now if it was not), a draft's from the cache or rendered by a job
    (``render_draft``). Raises ``documents.rendering.RenderBusy`` while it is made."""
    if report.status != AnnualReport.Status.APPROVED:
        return pdf.draft_pdf(
            owner=f"report:{report.pk}",
            variant=variant,
            user_id=user_id,
            build=lambda: _print(report=report, association=association),
            render=pdf.render_pdf,
            job=render_draft,
            job_kwargs={"report_id": report.pk, "association_id": association.pk},
        )
    return pdf.stored_pdf(
        archive=ARCHIVE,
        document=report,
        variant=variant,
        key=archive_key(report),
        build=lambda: _print(report=report, association=association),
        render=pdf.render_pdf,
    )


def _print(*, report: AnnualReport, association) -> tuple[str, dict]:
    """The HTML the PDF is made from, and the context it was rendered with."""
    context = document_context(report=report, association=association)
    return render_document_html(context=context, for_screen=False), context


@task(queue_name="documents")
def render_draft(*, report_id: int, association_id: int, variant: str, digest: str) -> str:
    """The job that renders a draft report's PDF into the cache (``pdf.render_draft``),
    the report read in the scope of its förbund."""
    association = Association.objects.filter(pk=association_id).first()
    if association is None:
        return GONE  # the förbund was removed while the job waited
    with scope(association=association):
        report = AnnualReport.objects.filter(pk=report_id).first()
        if report is None:
            return GONE
        return pdf.render_draft(
            owner=f"report:{report.pk}",
            variant=variant,
            digest=digest,
            build=lambda: _print(report=report, association=association),
            render=pdf.render_pdf,
            job=render_draft,
            job_kwargs={"report_id": report_id, "association_id": association_id},
        )


def store_approved_documents(*, document: AnnualReport) -> None:
    """Render and keep the PDF and PDF/A of a report the board has just approved (a
    receiver of ``plans.extensions.on_document_approved``, run by the job
    ``plans.tasks.document_approved`` once the decision is committed); a report approved
    without it is stored at its first download."""
    for variant in pdf.PDF_VARIANTS:
        report_pdf(report=document, association=document.association, variant=variant)

"""The annual report as one document: an HTML page and a PDF from the same templates,
through the plan document's machinery (``documents.pdf``: the render, its fetcher, the
draft cache and slots, the archive of an approved document's files).

The report is public: every count it prints is suppressed (1–4 as "färre än 5", and
what would let one be worked out) whoever reads it, the kansli included. Like the
plan's, it is always rendered in the site language.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from associations.models import AssociationLogo
from budgets.models import Budget
from budgets.outcome import Comparison, OutcomeSummary, OutcomeTable, outcome_summary, outcome_table
from documents import pdf
from followup.charts import participants_by_gender_chart
from followup.selectors import QUARTERS, year_figures
from followup.suppression import Cell, PublishedTable, publish_count, suppress_table

from .models import (
    AnnualReport,
    ControlResult,
    GoalResult,
    InterventionResult,
    ReportDocument,
    ReportSection,
)

TEMPLATE = "reports/document/document.html"
ARCHIVE = pdf.Archive(ReportDocument, "report")
# The measure the chart counts per quarter: the participants active in it.
PARTICIPANTS = "active"
GENDERS = ("women", "men")


@dataclass
class GoalGroup:
    """The mätpunkter of one målområde (or of one intervention's own goals), by goal."""

    heading: str
    goals: list[tuple]  # (Goal, [GoalResult])


@dataclass
class InterventionPage:
    """One intervention's year as the report prints it, every count published."""

    result: InterventionResult
    participants: PublishedTable  # one row: women, men, and their total
    ended_work: Cell
    ended_studies: Cell
    money: Comparison
    chart: str  # empty when no quarter of the year has a figure: no chart of nothing


def goal_groups(report: AnnualReport) -> list[GoalGroup]:
    """The goal results in the plan's order, grouped by målområde and goal."""
    results = GoalResult.objects.filter(report=report).select_related(
        "point__goal__goal_area", "point__goal__plan_intervention__intervention"
    )
    groups: dict[tuple, GoalGroup] = {}
    for result in results:
        goal = result.point.goal
        if goal.goal_area is not None:
            key, heading = ("area", goal.goal_area_id), goal.goal_area.name
        elif goal.plan_intervention is not None:
            key = ("intervention", goal.plan_intervention_id)
            heading = goal.plan_intervention.intervention.name
        else:
            key, heading = ("plan", 0), _("Other goals")
        group = groups.setdefault(key, GoalGroup(heading, []))
        if not group.goals or group.goals[-1][0].pk != goal.pk:
            group.goals.append((goal, []))
        group.goals[-1][1].append(result)
    return list(groups.values())


def quarters_of(report: AnnualReport) -> tuple[int, ...]:
    return QUARTERS[:2] if report.kind == AnnualReport.Kind.INTERIM else QUARTERS


def intervention_pages(report: AnnualReport) -> list[InterventionPage]:
    """Each intervention's counts published with suppression, its money, and its chart
    of participants by gender per quarter (the quarters' counts suppressed as well)."""
    figures = year_figures(association=report.association, year=report.year)
    quarters = quarters_of(report)
    pages = []
    results = InterventionResult.objects.filter(report=report).select_related(
        "plan_intervention__intervention"
    )
    for result in results:
        iid = result.plan_intervention.intervention_id
        table = suppress_table(
            [[figures.get((iid, q, PARTICIPANTS, g)) for g in GENDERS] for q in quarters],
            suppress=True,
        )
        chart = quarter_chart(result, quarters, table)
        pages.append(
            InterventionPage(
                result=result,
                participants=suppress_table(
                    [[result.participants_women, result.participants_men]], suppress=True
                ),
                ended_work=publish_count(result.ended_work, suppress=True),
                ended_studies=publish_count(result.ended_studies, suppress=True),
                money=Comparison(result.budget, result.outcome),
                chart=chart,
            )
        )
    return pages


def quarter_chart(result: InterventionResult, quarters, table: PublishedTable) -> str:
    """The chart of the published participants by gender per quarter; none when no
    quarter has a figure (a chart of empty quarters says nothing, and each one costs
    the PDF a tenth of a second and memory)."""
    if all(cell.value is None for row in table.cells for cell in row):
        return ""
    name = result.plan_intervention.intervention.name
    return participants_by_gender_chart(
        [
            (f"K{q}", cells[0].shown, cells[1].shown)
            for q, cells in zip(quarters, table.cells, strict=True)
        ],
        title=_("%(name)s: participants by gender per quarter") % {"name": name},
        for_document=True,
    )


def finances(report: AnnualReport) -> tuple[OutcomeTable | None, OutcomeSummary | None]:
    """Budget against outcome and the year's summary, when the plan's budget is the
    report's year's (a plan of several years has its outcome in its first year)."""
    budget = Budget.objects.filter(plan=report.plan).first()
    if budget is None or report.plan.year != report.year:
        return None, None
    table = outcome_table(budget=budget)
    return table, outcome_summary(budget=budget, table=table)


def document_context(
    *, report: AnnualReport, association, today: datetime.date | None = None
) -> dict:
    """What the document shows, in the site language whatever the reader's."""
    with translation.override(settings.LANGUAGE_CODE):
        today = today or timezone.localdate()
        logo = AssociationLogo.objects.filter(association=association).first()
        outcome, summary = finances(report)
        return {
            "report": report,
            "association": association,
            "document_title": report.title,
            "approval_line": pdf.approval_line(report, today=today),
            "document_date": pdf.document_date(report, today=today),
            "sections": [s for s in ReportSection.objects.filter(report=report) if s.body.strip()],
            "goal_groups": goal_groups(report),
            "interventions": intervention_pages(report),
            "controls": list(
                ControlResult.objects.filter(report=report).select_related("control_point")
            ),
            "outcome_table": outcome,
            "summary": summary,
            "logo": logo,
            "logo_url": pdf.logo_url(association, logo),
        }


def render_document_html(*, context: dict, request=None, for_screen: bool) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            TEMPLATE,
            {**context, "for_screen": for_screen, "document_language": settings.LANGUAGE_CODE},
            request=request,
        )


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
    stored now if it was not), a draft's from the cache or rendered under the render
    limits. Raises ``documents.rendering.RenderBusy`` when no slot frees in time."""

    def build() -> tuple[str, dict]:
        context = document_context(report=report, association=association)
        return render_document_html(context=context, for_screen=False), context

    if report.status != AnnualReport.Status.APPROVED:
        return pdf.draft_pdf(
            owner=f"report:{report.pk}",
            variant=variant,
            user_id=user_id,
            build=build,
            render=pdf.render_pdf,
        )
    return pdf.stored_pdf(
        archive=ARCHIVE,
        document=report,
        variant=variant,
        key=pdf.approval_key(report),
        build=build,
        render=pdf.render_pdf,
    )


def store_approved_documents(*, document: AnnualReport) -> None:
    """Render and keep the PDF and PDF/A of a report the board has just approved (a
    receiver of ``plans.extensions.on_document_approved``, run once the decision is
    committed); a report approved without it is stored at its first download."""
    for variant in pdf.PDF_VARIANTS:
        report_pdf(report=document, association=document.association, variant=variant)

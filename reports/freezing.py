"""An annual report freezes as a plan does: registered with ``plans.freezing``.

On review the workflow's fields may change; once approved, only what comes after the
board's decision: the auditors' statement. Every part of the report is frozen with it
on every write path (save, delete, ``update()``, ``bulk_*``), and the archived PDFs are
stored once, never changed. The outcome of the year the annual report reports
(``budgets.LineOutcome``) freezes with it too: the report shows it.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from budgets import outcome
from plans.freezing import (
    CREATED_WHEN_FROZEN,
    WORKFLOW_FIELDS_ON_REVIEW,
    register_decided_document,
    register_plan_part,
    register_row_guard,
)

REPORT = "reports.AnnualReport"
AUDITORS_FIELDS = frozenset(
    {
        "auditors_statement_on",
        "auditors_recommend_discharge",
        "auditors_statement",
        "auditors_statement_by",
        "version",
        "updated_at",
    }
)
PARTS = ["ReportSection", "GoalResult", "InterventionResult", "ControlResult", "ReportDocument"]


def register() -> None:
    register_decided_document(
        REPORT,
        on_review=WORKFLOW_FIELDS_ON_REVIEW,
        when_approved=AUDITORS_FIELDS,
        message=_("The report is on review or approved and can no longer be changed."),
    )
    for name in PARTS:
        register_plan_part(
            f"reports.{name}", "report__status", parent=("report", REPORT), document=REPORT
        )
    CREATED_WHEN_FROZEN.add("reports.ReportDocument")
    register_row_guard(
        "budgets.LineOutcome", frozen=_outcome_rows_frozen, frozen_new=_new_outcomes_frozen
    )
    if outcome_lock not in outcome.OUTCOME_LOCKS:
        outcome.OUTCOME_LOCKS.append(outcome_lock)


OUTCOME_FROZEN = _(
    "The annual report on this year is on review or approved: its outcome can no longer change."
)


def _closing_reports():
    AnnualReport = apps.get_model(REPORT)
    return AnnualReport._base_manager.filter(kind="annual").exclude(
        status__in=AnnualReport.EDITABLE_STATUSES
    )


def outcome_lock(plan):
    """The outcome of ``plan``'s year is closed once its annual report is on review."""
    if _closing_reports().filter(plan=plan).exists():
        return OUTCOME_FROZEN
    return None


def _outcome_rows_frozen(model, pks):
    plans = model._base_manager.filter(pk__in=pks).values("line__group__budget__plan")
    return OUTCOME_FROZEN if _closing_reports().filter(plan__in=plans).exists() else None


def _new_outcomes_frozen(objs):
    BudgetLine = apps.get_model("budgets", "BudgetLine")
    lines = {obj.line_id for obj in objs} - {None}
    plans = BudgetLine._base_manager.filter(pk__in=lines).values("group__budget__plan")
    return OUTCOME_FROZEN if _closing_reports().filter(plan__in=plans).exists() else None

"""An annual report freezes as a plan does: registered with ``plans.freezing``.

On review the workflow's fields may change; once approved, only what comes after the
board's decision: the auditors' statement. Every part of the report is frozen with it
on every write path (save, delete, ``update()``, ``bulk_*``), and the archived PDFs are
stored once, never changed.
"""

from django.utils.translation import gettext_lazy as _

from plans.freezing import (
    CREATED_WHEN_FROZEN,
    WORKFLOW_FIELDS_ON_REVIEW,
    register_decided_document,
    register_plan_part,
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

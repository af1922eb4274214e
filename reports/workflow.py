"""What happens to a report after the board's decision: the auditors' statement.

The board's review and decision are the plan's (``plans.workflow``, on the report as
``document=``). Once the report is approved, an auditor (the revisor role) records the
auditors' statement: the date, whether they recommend discharge from liability
(tillstyrker ansvarsfrihet), and their text. It is the one thing that still changes on
an approved report (``reports.freezing.AUDITORS_FIELDS``); a later correction by an
auditor replaces it, and the history keeps every version.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.rules import can

from . import signals
from .freezing import AUDITORS_FIELDS
from .models import AnnualReport

RECORD_STATEMENT = "reports.record_auditors_statement"  # reports/rules.py


def statement_refusal(*, report: AnnualReport, user) -> str | None:
    """Why ``user`` may not record the auditors' statement on ``report`` now, or None."""
    if not can(user, RECORD_STATEMENT, report):
        return _("Only an auditor of the förbund records the auditors' statement.")
    if report.status != AnnualReport.Status.APPROVED:
        return _("The auditors' statement is recorded once the board has approved the report.")
    return None


@transaction.atomic
def record_auditors_statement(
    *,
    report: AnnualReport,
    acting_user,
    statement_on: datetime.date | None,
    recommends_discharge: bool | None,
    text: str,
) -> AnnualReport:
    """Record (or correct) the auditors' statement on an approved report."""
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    refusal = statement_refusal(report=report, user=acting_user)
    if refusal:
        raise ValidationError(refusal, code="statement")
    errors = {}
    if statement_on is None:
        errors["statement_on"] = _("Give the date of the auditors' statement.")
    elif statement_on > timezone.localdate():
        errors["statement_on"] = _("The date cannot be in the future.")
    elif report.approved_on and statement_on < report.approved_on:
        errors["statement_on"] = _(
            "The auditors state their opinion on the approved report: the date cannot be "
            "before the board's decision (%(date)s)."
        ) % {"date": report.approved_on.isoformat()}
    if recommends_discharge is None:
        errors["recommends_discharge"] = _(
            "Say whether the auditors recommend discharge from liability."
        )
    if not (text or "").strip():
        errors["text"] = _("Write the auditors' statement.")
    if errors:
        raise ValidationError(errors)
    report.auditors_statement_on = statement_on
    report.auditors_recommend_discharge = recommends_discharge
    report.auditors_statement = text.strip()
    report.auditors_statement_by = acting_user
    report.version += 1
    report._history_user = acting_user
    report.save(update_fields=sorted(AUDITORS_FIELDS))
    signals.auditors_statement_recorded.send(
        sender=AnnualReport, report=report, acting_user=acting_user
    )
    return report

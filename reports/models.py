"""The annual report (verksamhetsberättelse, or årsredovisning as a förbund may call it)
and the interim report (delårsrapport) of one year.

A report starts from the plan that covered its year and is drafted in place, as a plan
is: free-text sections, a row per measurement point with its outcome and status, a row
per intervention with its figures and a short narrative, a row per internal control
with its result. The figures are taken from the budget's outcome and the follow-up when
the report is filled (``services.report_fill``) and kept in the rows, so that what the
board approves does not move when a quarter is corrected later. The board's review and
decision are the plan's (``plans.models.BoardDecided``, ``plans.workflow``); a report on
review or approved is frozen with its parts (``reports.freezing``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from budgets.models import MONEY
from plans.models import (
    YEAR_VALIDATORS,
    BoardDecided,
    ControlPoint,
    MeasurementPoint,
    Plan,
    PlanIntervention,
    TenantModel,
)


class AnnualReport(BoardDecided):
    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual report")
        INTERIM = "interim", _("Interim report (first half)")

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ANNUAL)
    title = models.CharField(
        _("title"),
        max_length=200,
        help_text=_('As the förbund calls it, e.g. "Verksamhetsberättelse 2022".'),
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="reports", verbose_name=_("plan")
    )
    # The auditors' statement, recorded by an auditor after the board's approval.
    auditors_statement_on = models.DateField(
        _("date of the auditors' statement"), null=True, blank=True
    )
    auditors_recommend_discharge = models.BooleanField(
        _("the auditors recommend discharge from liability (tillstyrker ansvarsfrihet)"),
        null=True,
        blank=True,
    )
    auditors_statement = models.TextField(_("the auditors' statement"), blank=True)
    auditors_statement_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "year", "kind"], name="one_report_per_year_and_kind"
            )
        ]

    def __str__(self):
        return self.title

    WORKFLOW_WORDS = {
        "status": _("The report is %(status)s, so you cannot %(action)s."),
        "earliest": _("A report on %(year)s is approved in %(earliest)s or later: check the year."),
        "reason": _("Say why the board sent the report back."),
    }
    WORKFLOW_ACTIONS = {
        "send_for_review": _("send the report to the board for review"),
        "withdraw_review": _("take the report back from the board"),
        "record_approval": _("record that the board approved the report"),
        "record_sent_back": _("record that the board sent the report back"),
    }

    @property
    def earliest_decision_year(self) -> int:
        # A report on a year (or its first half) is decided in that year at the earliest.
        return self.year

    @property
    def period_label(self) -> str:
        if self.kind == self.Kind.INTERIM:
            return _("January–June %(year)s") % {"year": self.year}
        return str(self.year)

    @property
    def has_auditors_statement(self) -> bool:
        return self.auditors_statement_on is not None


class ReportSection(TenantModel):
    """A free-text section: "Förbundschefen har ordet", "Väsentliga händelser"."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.heading


class GoalResult(TenantModel):
    """How one measurement point of the plan went: the figure the follow-up gives (kept
    as it was when the report was filled), or the outcome the kansli writes, its status
    and a comment."""

    class Status(models.TextChoices):
        REACHED = "reached", _("Reached")
        PARTLY = "partly", _("Partly reached")
        NOT_REACHED = "not_reached", _("Not reached")

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="goal_results")
    point = models.ForeignKey(
        MeasurementPoint, on_delete=models.PROTECT, related_name="+", verbose_name=_("mätpunkt")
    )
    computed = models.CharField(
        _("figure from the follow-up"),
        max_length=200,
        blank=True,
        help_text=_("As the follow-up gave it when the report was filled."),
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=500,
        blank=True,
        help_text=_("Where the follow-up cannot count it: the outcome in words or figures."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal result")
        verbose_name_plural = _("goal results")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "point"], name="one_result_per_point")
        ]

    def __str__(self):
        return str(self.point)


class InterventionResult(TenantModel):
    """One intervention's year: participants by gender, ended into work and studies,
    budget against outcome (kept as they were when the report was filled), and a short
    narrative. Counts are stored as counted; the report shows them suppressed."""

    report = models.ForeignKey(
        AnnualReport, on_delete=models.CASCADE, related_name="intervention_results"
    )
    plan_intervention = models.ForeignKey(
        PlanIntervention, on_delete=models.PROTECT, related_name="+", verbose_name=_("insats")
    )
    participants_women = models.PositiveIntegerField(
        blank=True, verbose_name=_("participants, women"), null=True
    )
    participants_men = models.PositiveIntegerField(
        blank=True, verbose_name=_("participants, men"), null=True
    )
    ended_work = models.PositiveIntegerField(
        blank=True, verbose_name=_("ended into work"), null=True
    )
    ended_studies = models.PositiveIntegerField(
        blank=True, verbose_name=_("ended into studies"), null=True
    )
    budget = models.DecimalField(_("budget"), null=True, blank=True, **MONEY)
    outcome = models.DecimalField(_("outcome"), null=True, blank=True, **MONEY)
    narrative = models.TextField(_("the year in short"), blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("intervention result")
        verbose_name_plural = _("intervention results")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "plan_intervention"], name="one_result_per_intervention"
            )
        ]

    def __str__(self):
        return self.plan_intervention.name


class ControlResult(TenantModel):
    """The result of one control of the plan's internkontrollplan."""

    class Result(models.TextChoices):
        DONE = "done", _("Done, no deviation (utfört)")
        DEVIATION = "deviation", _("Deviation found (avvikelse)")
        NOT_DONE = "not_done", _("Not done")

    report = models.ForeignKey(
        AnnualReport, on_delete=models.CASCADE, related_name="control_results"
    )
    control_point = models.ForeignKey(
        ControlPoint, on_delete=models.PROTECT, related_name="+", verbose_name=_("control")
    )
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, blank=True)
    deviation = models.TextField(_("deviation"), blank=True)
    action = models.TextField(_("action (åtgärd)"), blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("control result")
        verbose_name_plural = _("control results")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "control_point"], name="one_result_per_control"
            )
        ]

    def __str__(self):
        return str(self.control_point)

    def clean(self):
        """A deviation is described; a control done without one has none to describe."""
        if self.result == self.Result.DEVIATION and not self.deviation.strip():
            raise ValidationError({"deviation": _("Describe the deviation the control found.")})
        if self.result == self.Result.DONE and self.deviation.strip():
            raise ValidationError(
                {
                    "deviation": _(
                        "The control is marked done without a deviation: remove the text, "
                        "or mark it as a deviation."
                    )
                }
            )


class ReportDocument(TenantModel):
    """The PDF of an approved report as first rendered, served unchanged afterwards
    (as ``plans.PlanDocument`` for a plan); once the auditors' statement is recorded,
    another with it (``reports.document.archive_key``): the first is kept."""

    class Variant(models.TextChoices):
        PDF = "pdf", "PDF"
        PDFA = "pdfa", "PDF/A"

    report = models.ForeignKey(
        AnnualReport, on_delete=models.CASCADE, related_name="stored_documents"
    )
    variant = models.CharField(max_length=10, choices=Variant.choices)
    approval_key = models.CharField(max_length=300)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored report document")
        verbose_name_plural = _("stored report documents")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "variant", "approval_key"],
                name="report_document_once_per_variant_and_key",
            )
        ]

    def __str__(self):
        return f"{self.report} ({self.get_variant_display()})"

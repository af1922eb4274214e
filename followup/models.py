"""Follow-up of the interventions: quarterly counts by gender, and the status of
measurement points that the figures cannot answer.

Only aggregated counts are stored: no model here has a field for a name or a
personal identity number. What the national follow-up system (Uppföljning
Finsam) asks for when an insats is registered lives in ``InterventionFollowUp``,
one per ``plans.Intervention``. Writes go through ``services``; the workflow of
a quarter is in ``workflow``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.models import YEAR_VALIDATORS, Intervention, MeasurementPoint, TenantModel


class Focus(models.TextChoices):
    """Inriktning, as Uppföljning Finsam registers it."""

    INDIVIDUAL = "individ", _("Individual (individinriktad)")
    STRUCTURAL = "struktur", _("Structural (strukturinriktad)")


class Measure(TenantModel):
    """Something a quarter reports: a count per gender, or a plain count.

    The standard measures have a ``key`` that the validation rules and the
    evaluation of measurement points use; a förbund's own measures have none.
    """

    class Key(models.TextChoices):
        NEW = "new", _("New participants this quarter")
        ACTIVE = "active", _("Active participants during the quarter")
        ENDED = "ended", _("Participants who ended")
        ENDED_WORK = "ended_work", _("Ended into work")
        ENDED_STUDIES = "ended_studies", _("Ended into studies")
        FREDA = "freda", _("Answered the domestic-violence questions (Fredafrågor)")
        CONSULTATIONS = "consultations", _("Consultations or SAMSIP meetings held")
        SEMINARS = "seminars", _("Seminars held")
        TRAINING_PARTICIPANTS = "training_participants", _("Participants in training")

    key = models.CharField(_("standard measure"), max_length=30, choices=Key.choices, blank=True)
    name = models.CharField(_("name"), max_length=200)
    by_gender = models.BooleanField(
        _("counted for women and men"),
        default=True,
        help_text=_("Otherwise a plain count, e.g. of meetings."),
    )
    focus = models.CharField(
        _("for interventions that are"),
        max_length=20,
        choices=Focus.choices,
        default=Focus.INDIVIDUAL,
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "key"],
                condition=~models.Q(key=""),
                name="standard_measure_once_per_association",
            ),
            models.UniqueConstraint(
                fields=["association", "name"],
                name="measure_name_unique_per_association",
                violation_error_message=_("The förbund already has a measure with this name."),
            ),
        ]

    def __str__(self):
        return self.name


class FollowUpMethod(models.TextChoices):
    """Uppföljningsmetod in Uppföljning Finsam."""

    AGGREGATED = "aggregated", _("Aggregated figures per quarter (no personal data)")
    INDIVIDUAL = "individual", _("Individual registration in the national system")
    NOT_FOLLOWED = "not_followed", _("Not followed up in the national system")


class InterventionFollowUp(TenantModel):
    """What the national system registers about an insats, and what it reports here."""

    LOCKED_FIELDS = ("focus", "method", "esf_funded")

    intervention = models.OneToOneField(
        Intervention, on_delete=models.CASCADE, related_name="followup"
    )
    focus = models.CharField(_("focus (inriktning)"), max_length=20, choices=Focus.choices)
    precise_focus = models.CharField(
        _("precise focus (preciserad inriktning)"),
        max_length=200,
        blank=True,
        help_text=_("As chosen when the insats is registered in Uppföljning Finsam."),
    )
    method = models.CharField(
        _("follow-up method (uppföljningsmetod)"),
        max_length=20,
        choices=FollowUpMethod.choices,
        default=FollowUpMethod.AGGREGATED,
    )
    esf_funded = models.BooleanField(_("funded by the ESF"), default=False)
    measures = models.ManyToManyField(
        Measure, blank=True, related_name="+", verbose_name=_("measures reported")
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("follow-up settings")
        verbose_name_plural = _("follow-up settings")

    def __str__(self):
        return str(self.intervention)


class QuarterReport(TenantModel):
    """The figures of one intervention for one quarter."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved by the kansli")
        RETURNED = "returned", _("Returned for revision")

    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, related_name="quarter_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    comment = models.TextField(
        _("comment"),
        blank=True,
        help_text=_("No names or other personal details: only what the figures need."),
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        ordering = ["year", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "year", "quarter"],
                name="one_report_per_intervention_and_quarter",
                violation_error_message=_("This quarter already has a report."),
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4),
                name="quarter_between_1_and_4",
            ),
        ]

    def __str__(self):
        return f"{self.intervention} {self.year} Q{self.quarter}"


class Gender(models.TextChoices):
    WOMEN = "women", _("Women")
    MEN = "men", _("Men")
    ALL = "all", _("Count")


class QuarterValue(TenantModel):
    """One aggregated count: a measure, for women, for men, or (a plain count) for all."""

    report = models.ForeignKey(QuarterReport, on_delete=models.CASCADE, related_name="values")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="values")
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    value = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("reported count")
        verbose_name_plural = _("reported counts")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "measure", "gender"], name="one_value_per_measure_and_gender"
            )
        ]


class ReportEvent(TenantModel):
    """Append-only history of a quarter: every save, submission, approval, return, reopening.

    ``changes`` lists ``{"measure": name, "gender": ..., "old": n, "new": n}``.
    """

    class Action(models.TextChoices):
        SAVED = "saved", _("Saved")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved by the kansli")
        RETURNED = "returned", _("Returned for revision")
        REOPENED = "reopened", _("Reopened by the kansli")

    report = models.ForeignKey(QuarterReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    changes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["at", "pk"]


class PointAssessment(TenantModel):
    """The kansli's status of a measurement point, with a comment and a date.

    For an activity count, ``measure`` says which reported measure counts it.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        ON_TRACK = "on_track", _("On track")
        REACHED = "reached", _("Reached")
        NOT_REACHED = "not_reached", _("Not reached")

    point = models.OneToOneField(
        MeasurementPoint, on_delete=models.CASCADE, related_name="assessment"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    assessed_on = models.DateField(_("date"), null=True, blank=True)
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counted by the measure"),
        help_text=_("For a number of activities: the reported measure that counts them."),
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("assessment of a measurement point")
        verbose_name_plural = _("assessments of measurement points")

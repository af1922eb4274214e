"""The verksamhetsplan: sections, goal areas, goals, measurement points,
interventions with staffing, and the internal control and communication tables.

An ``Intervention`` belongs to the förbund and lives across years (the same
Stegen Karlstad is in the 2022 and the 2023 plans); what a plan says about it
that year is a ``PlanIntervention``. Records a user edits carry a ``version``
for optimistic locking (``associations.versioning``, claimed by ``services.plan_part_save``).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from associations.models import Association, MemberParty

from .freezing import FrozenGuardManager

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class TenantModel(models.Model):
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")

    # Scoped to the förbund; update()/bulk_create of a part of a frozen plan refused.
    objects = ScopedManager(_manager_class=FrozenGuardManager, association="association")

    class Meta:
        abstract = True


class BoardDecided(TenantModel):
    """What the board reviews and decides: a plan, an annual report (``reports``).

    One workflow (``plans.workflow``) and one freezing (``plans.freezing``) serve every
    such document: its status, the review and the decision live in these fields. A
    document on review or approved is frozen, and so is every part registered with it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("On review")
        APPROVED = "approved", _("Approved")
        SENT_BACK = "sent_back", _("Sent back")

    EDITABLE_STATUSES = (Status.DRAFT, Status.SENT_BACK)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # The review (see ``workflow``).
    review_deadline = models.DateField(_("comments due by"), null=True, blank=True)
    review_message = models.TextField(_("message to the board"), blank=True)
    sent_back_reason = models.TextField(_("reason for sending back"), blank=True)
    # Recorded when the board approves (``workflow.record_approval``).
    approval_text = models.CharField(_("approval line"), max_length=200, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approval_paragraph = models.CharField(_("minute paragraph (§)"), max_length=20, blank=True)
    approval_dnr = models.CharField(_("file number (dnr)"), max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The workflow's words for this kind of document (``plans.workflow``).
    WORKFLOW_WORDS = {
        "status": _("The plan is %(status)s, so you cannot %(action)s."),
        "earliest": _("A plan for %(year)s is approved in %(earliest)s or later: check the year."),
        "reason": _("Say why the board sent the plan back."),
    }
    WORKFLOW_ACTIONS: dict = {}

    class Meta:
        abstract = True

    @property
    def earliest_decision_year(self) -> int:
        """The first year in which the board can decide on the document."""
        raise NotImplementedError

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def is_frozen(self) -> bool:
        """Approved (or on review): nothing of the document or its parts may change."""
        return not self.is_editable

    def approval_line(self) -> str:
        """E.g. "Fastställd av styrelsen 2021-12-01 §39"; empty unless approved.

        The line as the förbund wrote it wins; otherwise it is built from the
        meeting date, the minute paragraph and the file number.
        """
        if self.status != self.Status.APPROVED:
            return ""
        if self.approval_text:
            return self.approval_text
        if not self.approved_on:
            return ""
        line = gettext("Approved by the board %(date)s") % {"date": self.approved_on.isoformat()}
        if self.approval_paragraph:
            paragraph = self.approval_paragraph.strip()
            line += " " + (paragraph if paragraph.startswith("§") else f"§{paragraph}")
        if self.approval_dnr:
            line += ", " + gettext("dnr %(dnr)s") % {"dnr": self.approval_dnr}
        return line


class Plan(BoardDecided):
    year = models.PositiveSmallIntegerField(_("plan year"), validators=YEAR_VALIDATORS)
    end_year = models.PositiveSmallIntegerField(
        _("last year of the plan"),
        validators=YEAR_VALIDATORS,
        help_text=_("The same as the plan year for a one-year plan; e.g. 2024 for 2022-2024."),
    )
    title = models.CharField(_("title"), max_length=200)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    revision_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("revision of"),
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replaced by"),
        help_text=_("The approved revision that is now the current version."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("year")),
                name="plan_end_year_not_before_year",
                violation_error_message=_("The last year cannot be before the plan year."),
            ),
            models.CheckConstraint(
                condition=models.Q(end_year__lte=models.F("year") + 5),
                name="plan_horizon_at_most_six_years",
                violation_error_message=_("A plan covers at most six years."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None

    @property
    def earliest_decision_year(self) -> int:
        # A plan is approved in the autumn before its first year at the earliest.
        return self.year - 1

    @property
    def years(self) -> list[int]:
        return list(range(self.year, self.end_year + 1))

    def staffing_lines(self):
        return StaffingLine.objects.filter(plan_intervention__plan=self)

    @property
    def period_label(self) -> str:
        return str(self.year) if self.end_year == self.year else f"{self.year}–{self.end_year}"

    @property
    def title_states_period(self) -> bool:
        """Whether the title already names the plan's years, with whatever dash
        ("… 2022-2024", "… 2022 – 2024"): the document then does not repeat them."""
        return self.period_label in re.sub(r"\s*[-\u2010-\u2015]\s*", "–", self.title)


class Section(TenantModel):
    class Kind(models.TextChoices):
        INTRODUCTION = "inledning", _("Introduction")
        VISION = "vision", _("Vision")
        OVERALL_GOALS = "overgripande_mal", _("Overall goals")
        TARGET_GROUP = "malgrupp", _("Target group")
        ORGANISATION = "organisation", _("Organisation")
        DIRECTION = "verksamhetsinriktning", _("Direction of the work")
        UPPFOLJNING = "uppfoljning", _("Follow-up and evaluation")
        BUDGET_TEXT = "budget_text", _("Budget text")
        OTHER = "other", _("Other")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    heading = models.CharField(_("heading"), max_length=200)
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=[(1, _("Heading")), (2, _("Sub-heading"))],
        default=1,
    )
    body = models.TextField(
        _("text"),
        blank=True,
        help_text=_(
            "Blank line between paragraphs; '- ' starts a bullet; **bold**, *italic*, "
            "## heading, [text](https://address) for a link."
        ),
    )
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.heading


class GoalArea(TenantModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goal_areas")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal area")
        verbose_name_plural = _("goal areas")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class Intervention(TenantModel):
    """An insats of the förbund, the same record in every year's plan.

    Its name, kind, start year and owner are those of its latest plan (the one
    with the highest year), kept by ``services.plan_intervention_save`` for
    follow-up's lists and the budget's links; what each plan prints is that
    plan's ``PlanIntervention``. Its project leaders are who may report its
    follow-up now.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individ", _("Individual (individinriktad)")
        STRUCTURAL = "struktur", _("Structural (strukturinriktad)")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    start_year = models.PositiveSmallIntegerField(
        _("start year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    owner_party = models.ForeignKey(
        MemberParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_interventions",
        verbose_name=_("project owner"),
    )
    project_leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="led_interventions",
        verbose_name=_("project leaders"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "name"],
                name="intervention_name_unique_per_association",
                violation_error_message=_(
                    "The förbund already has an intervention with this name."
                ),
            )
        ]

    def __str__(self):
        return self.name


class PlanIntervention(TenantModel):
    """What one plan says about an intervention that year.

    Everything the plan prints about the intervention is the plan's own: its name,
    kind, start year, project owner and project leaders as well as its texts,
    places, kommuner and staffing. Next year's draft renaming it leaves this plan
    as the board decided it. ``intervention`` is the identity that follow-up,
    budget lines and "Vad som ändrats" follow across the years.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        PHASING_OUT = "phasing_out", _("Being phased out")
        ENDED = "ended", _("Ended")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_interventions")
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, related_name="plan_entries"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Intervention.Kind.choices,
        default=Intervention.Kind.INDIVIDUAL,
    )
    start_year = models.PositiveSmallIntegerField(
        _("start year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    owner_party = models.ForeignKey(
        MemberParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_plan_entries",
        verbose_name=_("project owner"),
    )
    # The names as the plan prints them; who may report follow-up is the
    # intervention's ``project_leaders`` (users), which lives on across years.
    project_leader_names = models.CharField(_("project leaders"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    purpose = models.TextField(_("purpose (syfte)"), blank=True)
    target_group = models.TextField(_("target group"), blank=True)
    short_term_goals = models.TextField(_("short-term goals"), blank=True)
    long_term_goals = models.TextField(_("long-term goals"), blank=True)
    actions = models.TextField(_("actions (åtgärder)"), blank=True)
    steering_group = models.TextField(_("steering group"), blank=True)
    places = models.PositiveIntegerField(_("number of places"), null=True, blank=True)
    places_note = models.CharField(_("about the places"), max_length=200, blank=True)
    municipalities = models.ManyToManyField(
        MemberParty,
        blank=True,
        related_name="+",
        through="PlanInterventionMunicipality",
        verbose_name=_("municipalities served"),
    )
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("intervention in the plan")
        verbose_name_plural = _("interventions in the plan")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "intervention"],
                name="intervention_once_per_plan",
                violation_error_message=_("This intervention is already in the plan."),
            )
        ]

    def __str__(self):
        return self.name


class GuardedLink(models.Model):
    """A row of a many-to-many table of a plan's part, as a model of its own rather than
    Django's auto-created table, so that the freezing guards see every write: Django
    sends no ``pre_save``/``pre_delete`` for auto-created tables, not even in a cascade.

    A link declares its two foreign keys, the plan's part first, and names the pair in
    ``unique_together``; it keeps the table and columns Django would have made."""

    id = models.AutoField(primary_key=True)

    objects = FrozenGuardManager()

    class Meta:
        abstract = True

    def __str__(self):
        part, other = self._meta.unique_together[0]
        return f"{getattr(self, part + '_id')}: {getattr(self, other + '_id')}"


class PlanInterventionMunicipality(GuardedLink):
    """A kommun an intervention serves, as one plan says (``PlanIntervention.municipalities``)."""

    planintervention = models.ForeignKey(PlanIntervention, on_delete=models.CASCADE)
    memberparty = models.ForeignKey(MemberParty, on_delete=models.CASCADE)

    class Meta:
        db_table = "plans_planintervention_municipalities"
        unique_together = [("planintervention", "memberparty")]
        verbose_name = _("municipality served")
        verbose_name_plural = _("municipalities served")


class StaffingLine(TenantModel):
    plan_intervention = models.ForeignKey(
        PlanIntervention, on_delete=models.CASCADE, related_name="staffing"
    )
    role = models.CharField(_("role"), max_length=200)
    party = models.ForeignKey(
        MemberParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member party"),
    )
    percent = models.DecimalField(
        _("percent of full time"),
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(0, message=_("The percentage cannot be negative.")),
            MaxValueValidator(
                100, message=_("A staffing line is at most 100 percent of full time.")
            ),
        ],
    )
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staffing line")
        verbose_name_plural = _("staffing")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.role


class Goal(TenantModel):
    class Level(models.TextChoices):
        OVERALL = "overgripande", _("Overall (övergripande)")
        LONG_TERM = "langsiktigt", _("Long-term")
        SHORT_TERM = "kortsiktigt", _("Short-term")
        SUB_GOAL = "delmal", _("Sub-goal (delmål)")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    goal_area = models.ForeignKey(
        GoalArea,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("goal area"),
    )
    plan_intervention = models.ForeignKey(
        PlanIntervention,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("intervention"),
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    text = models.TextField(_("goal"))
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(goal_area__isnull=False, plan_intervention__isnull=True)
                | models.Q(goal_area__isnull=True, plan_intervention__isnull=False),
                name="goal_under_area_or_intervention",
                violation_error_message=_(
                    "A goal belongs to a goal area or to an intervention, not both."
                ),
            )
        ]

    def __str__(self):
        return self.text[:80]


indicator_list_validator = RegexValidator(
    r"^\s*\d{1,2}(\s*,\s*\d{1,2})*\s*$",
    _("Write the indicator numbers separated by commas, e.g. 1, 3, 5."),
)


class MeasurementPoint(TenantModel):
    """A mätpunkt. Its kind says which of the target fields it uses (see ``clean``)."""

    class Kind(models.TextChoices):
        COUNT_FLOOR = "count_floor", _("Number of participants, at least")
        SHARE_TARGET = "share_target", _("Share, e.g. of survey answers")
        OUTCOME_SHARE = "outcome_share", _("Share of outcomes (work, studies)")
        MILESTONE = "milestone", _("Milestone with a deadline")
        TREND = "trend", _("Trend against a base year")
        ACTIVITY_COUNT = "activity_count", _("Number of activities, at least")
        QUALITATIVE = "qualitative", _("Qualitative statement")

    class Measure(models.TextChoices):
        """What the follow-up counts for the point: the one figure it is evaluated from."""

        PARTICIPANTS = "participants", _("participants")
        ENDED = "ended", _("participants who ended")
        ENDED_WORK = "ended_work", _("ended into work")
        ENDED_STUDIES = "ended_studies", _("ended into studies")
        ACTIVITIES = "activities", _("activities")

    class Direction(models.TextChoices):
        MAINTAIN = "maintain", _("stay at the same level")
        INCREASE = "increase", _("increase")
        DECREASE = "decrease", _("decrease")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measurement_points")
    goal = models.ForeignKey(
        Goal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurement_points",
        verbose_name=_("goal"),
    )
    plan_intervention = models.ForeignKey(
        PlanIntervention,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurement_points",
        verbose_name=_("intervention"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("measurement point"))
    target_count = models.PositiveIntegerField(_("target number"), null=True, blank=True)
    target_percent = models.DecimalField(
        _("target percent"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0, message=_("The target percent must be between 0 and 100.")),
            MaxValueValidator(100, message=_("The target percent must be between 0 and 100.")),
        ],
    )
    survey_threshold = models.PositiveSmallIntegerField(
        _("survey answers above"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, message=_("The survey scale is 1 to 6.")),
            MaxValueValidator(6, message=_("The survey scale is 1 to 6.")),
        ],
    )
    indicators = models.CharField(
        _("NNS indicators"), max_length=60, blank=True, validators=[indicator_list_validator]
    )
    outcome_work = models.BooleanField(_("counts ended into work"), default=False)
    outcome_studies = models.BooleanField(_("counts ended into studies"), default=False)
    outcome_step = models.BooleanField(_("counts a step closer (stegförflyttning)"), default=False)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    base_year = models.PositiveSmallIntegerField(
        _("base year"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    direction = models.CharField(
        _("direction"), max_length=20, choices=Direction.choices, blank=True
    )
    activity = models.CharField(_("activity"), max_length=200, blank=True)
    gender_split = models.BooleanField(_("followed up for women and men"), default=True)
    measure = models.CharField(
        _("counted from"),
        max_length=20,
        choices=Measure.choices,
        blank=True,
        help_text=_(
            "For a number, at least: the follow-up figure it is about (participants, "
            "ended, ended into work or studies; activities for a number of activities). "
            "Without it the point is not evaluated from the figures."
        ),
    )
    counted_interventions = models.ManyToManyField(
        Intervention,
        blank=True,
        related_name="+",
        through="CountedIntervention",
        verbose_name=_("interventions counted"),
        help_text=_("For a number of participants: the interventions whose figures are summed."),
    )
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measurement point")
        verbose_name_plural = _("measurement points")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(goal__isnull=False, plan_intervention__isnull=True)
                | models.Q(goal__isnull=True, plan_intervention__isnull=False),
                name="measurement_point_under_goal_or_intervention",
                violation_error_message=_(
                    "A measurement point belongs to a goal or to an intervention, not both."
                ),
            )
        ]

    def __str__(self):
        return self.text[:80]

    REQUIRED_FIELDS = {
        Kind.COUNT_FLOOR: ["target_count"],
        Kind.SHARE_TARGET: ["target_percent"],
        Kind.OUTCOME_SHARE: ["target_percent"],
        Kind.MILESTONE: ["deadline"],
        Kind.TREND: ["direction"],
        Kind.ACTIVITY_COUNT: ["target_count", "activity"],
        Kind.QUALITATIVE: [],
    }

    # The fields that apply to each kind, beyond the text and what it belongs to: the form
    # shows only these once a kind is chosen (with script; without, it shows them all).
    # A kind's required fields and the measure of a kind that counts are among them.
    FIELDS_BY_KIND = {
        Kind.COUNT_FLOOR: ["target_count", "gender_split", "measure", "counted_interventions"],
        Kind.SHARE_TARGET: ["target_percent", "survey_threshold", "indicators", "gender_split"],
        Kind.OUTCOME_SHARE: [
            "target_percent",
            "outcome_work",
            "outcome_studies",
            "outcome_step",
            "survey_threshold",
            "indicators",
            "gender_split",
        ],
        Kind.MILESTONE: ["deadline"],
        Kind.TREND: ["direction", "base_year", "gender_split"],
        Kind.ACTIVITY_COUNT: ["target_count", "activity", "measure", "counted_interventions"],
        Kind.QUALITATIVE: [],
    }

    # The measures each kind can be evaluated from; other kinds are assessed by a person
    # (an outcome share counts the outcomes ticked among those who ended).
    MEASURES_BY_KIND = {
        Kind.COUNT_FLOOR: [
            Measure.PARTICIPANTS,
            Measure.ENDED,
            Measure.ENDED_WORK,
            Measure.ENDED_STUDIES,
        ],
        Kind.ACTIVITY_COUNT: [Measure.ACTIVITIES],
    }

    def target_summary(self) -> str:
        """The target in a few words, e.g. "at least 200, women and men"."""
        kind = self.Kind
        if self.kind == kind.COUNT_FLOOR and self.target_count is not None:
            if self.gender_split:
                return _("at least %(n)s, women and men") % {"n": self.target_count}
            return _("at least %(n)s") % {"n": self.target_count}
        if self.kind in (kind.SHARE_TARGET, kind.OUTCOME_SHARE) and self.target_percent is not None:
            parts = [f"{self.target_percent.normalize():f} %".replace(".", ",")]
            if self.survey_threshold:
                parts.append(_("answers above %(n)s") % {"n": self.survey_threshold})
            if self.indicators:
                parts.append(_("indicator %(list)s") % {"list": self.indicators})
            outcomes = [
                label
                for flag, label in [
                    (self.outcome_work, _("work")),
                    (self.outcome_studies, _("studies")),
                    (self.outcome_step, _("a step closer")),
                ]
                if flag
            ]
            if outcomes:
                parts.append(" / ".join(str(o) for o in outcomes))
            return ", ".join(str(p) for p in parts)
        if self.kind == kind.MILESTONE and self.deadline:
            return _("by %(date)s") % {"date": self.deadline.isoformat()}
        if self.kind == kind.TREND and self.direction:
            text = str(self.Direction(self.direction).label)
            if self.base_year:
                text += " " + _("compared with %(year)s") % {"year": self.base_year}
            return text
        if self.kind == kind.ACTIVITY_COUNT and self.target_count is not None:
            return _("at least %(n)s %(activity)s") % {
                "n": self.target_count,
                "activity": self.activity,
            }
        return ""

    def clean(self):
        errors = {}
        for field in self.REQUIRED_FIELDS.get(self.kind, []):
            if getattr(self, field) in (None, ""):
                errors[field] = _("This type of measurement point needs this field.")
        if self.measure and self.measure not in self.MEASURES_BY_KIND.get(self.kind, []):
            allowed = self.MEASURES_BY_KIND.get(self.kind, [])
            if allowed:
                errors["measure"] = _("This type of measurement point counts %(list)s.") % {
                    "list": ", ".join(str(self.Measure(m).label) for m in allowed)
                }
            else:
                errors["measure"] = _(
                    "Only a number of participants or of activities is counted from a "
                    "follow-up figure."
                )
        if self.kind == self.Kind.OUTCOME_SHARE and not (
            self.outcome_work or self.outcome_studies or self.outcome_step
        ):
            errors["outcome_work"] = _("Choose at least one outcome that counts.")
        if self.deadline and self.plan_id:
            plan = self.plan
            if not plan.year <= self.deadline.year <= plan.end_year:
                errors["deadline"] = _(
                    "The deadline must fall within the plan's years (%(period)s)."
                ) % {"period": plan.period_label}
        if self.base_year and self.plan_id and self.base_year > self.plan.end_year:
            errors["base_year"] = _(
                "The base year is a year the plan compares with: %(last)s at the latest."
            ) % {"last": self.plan.end_year}
        if errors:
            raise ValidationError(errors)


class CountedIntervention(GuardedLink):
    """An intervention whose figures a measurement point sums
    (``MeasurementPoint.counted_interventions``)."""

    measurementpoint = models.ForeignKey(MeasurementPoint, on_delete=models.CASCADE)
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE)

    class Meta:
        db_table = "plans_measurementpoint_counted_interventions"
        unique_together = [("measurementpoint", "intervention")]
        verbose_name = _("intervention counted")
        verbose_name_plural = _("interventions counted")


class ControlPoint(TenantModel):
    """A row of the internkontrollplan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="control_points")
    routine = models.CharField(_("routine/system"), max_length=200)
    control = models.TextField(_("control"))
    responsible = models.CharField(_("responsible for the control"), max_length=200, blank=True)
    frequency = models.CharField(_("frequency"), max_length=100, blank=True)
    method = models.CharField(_("method"), max_length=200, blank=True)
    reporting_to = models.CharField(_("reported to"), max_length=200, blank=True)
    risk = models.CharField(_("risk assessment"), max_length=100, blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("internal control point")
        verbose_name_plural = _("internal control plan")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.routine


class CommunicationItem(TenantModel):
    """A row of the kommunikationsplan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="communication_items")
    audience = models.TextField(_("target group"))
    channel = models.TextField(_("channel/activity"), blank=True)
    frequency = models.CharField(_("frequency"), max_length=200, blank=True)
    responsible = models.TextField(_("responsible"), blank=True)
    order = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("communication item")
        verbose_name_plural = _("communication plan")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.audience[:80]


class Comment(TenantModel):
    """A board member's comment on a plan under review, or an answer in its thread.

    It is about the plan as a whole or about one part of it: a section, a goal,
    a measurement point, an intervention or a budget line (at most one of the
    part fields is set). ``target_label`` keeps what the part was called, so a
    comment stays readable if a draft's part is later removed. Comments belong
    to the review, never to the plan document.
    """

    TARGET_FIELDS = ("section", "goal", "measurement_point", "plan_intervention", "budget_line")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("answer to"),
    )
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    measurement_point = models.ForeignKey(
        MeasurementPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    plan_intervention = models.ForeignKey(
        PlanIntervention,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    budget_line = models.ForeignKey(
        "budgets.BudgetLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    target_label = models.CharField(_("about"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="plan_comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    handled = models.BooleanField(_("handled"), default=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:80]

    @property
    def target(self):
        for name in self.TARGET_FIELDS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None

    @property
    def anchor(self) -> str:
        """The id of the commented part on the plan page ("" for the plan as a whole)."""
        prefixes = {
            "section": "section",
            "goal": "goal",
            "measurement_point": "point",
            "plan_intervention": "intervention",
            "budget_line": "budget-line",
        }
        for name, prefix in prefixes.items():
            if getattr(self, f"{name}_id"):
                return f"{prefix}-{getattr(self, f'{name}_id')}"
        return ""


class PlanDocument(TenantModel):
    """The PDF of an approved plan as it was first rendered, served unchanged afterwards.

    What the board approved is what the archive holds: later changes to the förbund
    (its board, its logo) or to the software do not alter it. ``approval_key`` ties
    the file to the approval it shows; a different approval renders a new file.
    """

    class Variant(models.TextChoices):
        PDF = "pdf", "PDF"
        PDFA = "pdfa", "PDF/A"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stored_documents")
    variant = models.CharField(max_length=10, choices=Variant.choices)
    approval_key = models.CharField(max_length=300)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored plan document")
        verbose_name_plural = _("stored plan documents")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "variant"], name="plan_document_once_per_variant"
            )
        ]

    def __str__(self):
        return f"{self.plan} ({self.get_variant_display()})"


class RenderSlot(models.Model):
    """One permission to render a PDF, shared by every worker and machine through the
    database (``documents.rendering``): ``site:<n>`` rows cap the renders of the
    installation, a ``user:<id>`` row those of one person. A slot is held while
    ``holder`` is set and ``until`` has not passed; a worker killed mid-render leaves
    a slot that frees itself at ``until``. Not a förbund's data: no tenant scope."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=32, blank=True)
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("PDF rendering slot")
        verbose_name_plural = _("PDF rendering slots")

    def __str__(self):
        return self.name

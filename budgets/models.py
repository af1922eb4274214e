"""The multi-year budget of a plan, and the förbund's own financial rules.

Amounts are ``Decimal`` whole kronor. Totals, results and equity are never
stored: ``selectors.budget_table`` computes them from the lines. What a seed or
an import *states* is kept in ``StatedFigure`` and shown beside the computed
figure when they differ.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from associations.models import MemberParty
from plans.models import YEAR_VALIDATORS, Intervention, Plan, TenantModel

MONEY = {"max_digits": 14, "decimal_places": 0}
# The largest amount an amount column holds (14 digits of whole kronor).
MAX_AMOUNT = Decimal(10 ** MONEY["max_digits"] - 1)


class Category(models.TextChoices):
    CONTRIBUTIONS = "contributions", _("Member contributions")
    OTHER_INCOME = "other_income", _("Other income")
    EQUITY_USED = "equity_used", _("Equity used")
    BOARD = "board", _("Board and audit")
    ADMINISTRATION = "administration", _("Kansli and administration")
    INDIVIDUAL = "individual", _("Individual interventions")
    STRUCTURAL = "structural", _("Structural interventions")
    COOPERATION = "cooperation", _("Support for cooperation")
    PROCESS_SUPPORT = "process_support", _("Process support")
    UNALLOCATED = "unallocated", _("Unallocated")
    BUFFER = "buffer", _("Buffer")
    OTHER = "other", _("Other")


class Budget(TenantModel):
    class Unit(models.TextChoices):
        KR = "kr", _("kronor")
        TKR = "tkr", _("tkr")

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="budget")
    unit = models.CharField(_("shown in"), max_length=3, choices=Unit.choices, default=Unit.KR)

    class Contributions(models.TextChoices):
        DECIDED = "decided", _("As decided, with the Finsam rule beside them")
        RULE = "rule", _("By the Finsam rule, from the total")

    costs_negative = models.BooleanField(_("show costs with a minus sign"), default=False)
    contributions = models.CharField(
        _("member contributions"),
        max_length=10,
        choices=Contributions.choices,
        default=Contributions.DECIDED,
        help_text=_(
            "Decided: the contribution of each member party is entered as decided, and the page "
            "shows the Finsam rule's figure beside it. By the rule: only the total is entered and "
            "the page splits it between the parties."
        ),
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self):
        return str(self.plan)


class BudgetColumn(TenantModel):
    class Kind(models.TextChoices):
        DECIDED = "decided", _("Decided budget")
        FORECAST = "forecast", _("Forecast")
        OUTCOME = "outcome", _("Outcome")
        BUDGET = "budget", _("Budget")
        PLAN = "plan", _("Plan")

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="columns")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    label = models.CharField(_("heading"), max_length=100)
    opening_equity = models.DecimalField(
        _("equity at the start of the year"),
        null=True,
        blank=True,
        help_text=_("Only where no earlier column carries the equity into this one."),
        **MONEY,
    )
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget column")
        verbose_name_plural = _("budget columns")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.label

    def clean(self):
        plan = self.budget.plan
        if self.year is None or self.kind is None:
            return
        before = {self.Kind.DECIDED, self.Kind.FORECAST, self.Kind.OUTCOME}
        if self.kind in before and not plan.year - 3 <= self.year < plan.year:
            raise ValidationError(
                {
                    "year": _(
                        "A decided budget, forecast or outcome is for a year before the plan "
                        "year %(year)s (at most three years before)."
                    )
                    % {"year": plan.year}
                }
            )
        if self.kind not in before and not plan.year <= self.year <= plan.end_year:
            raise ValidationError(
                {
                    "year": _("A budget or plan column is for a year of the plan, %(period)s.")
                    % {"period": plan.period_label}
                }
            )
        same = BudgetColumn.objects.filter(budget=self.budget_id, kind=self.kind, year=self.year)
        if same.exclude(pk=self.pk).exists():
            raise ValidationError(_("The budget already has a column of this kind for the year."))


INCOME_CATEGORIES = {Category.CONTRIBUTIONS, Category.OTHER_INCOME, Category.EQUITY_USED}
# Money set aside below the result: not costs, but no longer free equity.
ALLOCATION_CATEGORIES = {Category.BUFFER, Category.UNALLOCATED, Category.OTHER}


def name_key(name: str) -> str:
    """A name as the import and the layout compare it: case and runs of spaces (the
    non-breaking ones too) do not count."""
    return " ".join(str(name).split()).casefold()


class BudgetGroup(TenantModel):
    class Side(models.TextChoices):
        INCOME = "income", _("Income")
        COST = "cost", _("Costs")
        ALLOCATION = "allocation", _("Allocations of the equity")

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="groups")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget group")
        verbose_name_plural = _("budget groups")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.category and self.side:
            if self.side == self.Side.INCOME and self.category not in (
                INCOME_CATEGORIES | {Category.OTHER}
            ):
                errors["category"] = _("That category is for costs, not for income.")
            if self.side == self.Side.COST and self.category in INCOME_CATEGORIES:
                errors["category"] = _("That category is for income, not for costs.")
            if self.side != self.Side.ALLOCATION and self.category == Category.BUFFER:
                errors["category"] = _("A buffer is an allocation of the equity.")
            if self.side == self.Side.ALLOCATION and self.category not in ALLOCATION_CATEGORIES:
                errors["category"] = _(
                    "An allocation of the equity is a buffer, unallocated or other."
                )
        if self.name and self.budget_id:
            others = BudgetGroup.objects.filter(budget=self.budget_id).exclude(pk=self.pk)
            if any(name_key(g.name) == name_key(self.name) for g in others):
                # An exported workbook could not say which of the two a row is under.
                errors["name"] = _("The budget already has a group of that name.")
        if errors:
            raise ValidationError(errors)


class BudgetLine(TenantModel):
    group = models.ForeignKey(
        BudgetGroup, on_delete=models.CASCADE, related_name="lines", verbose_name=_("group")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sub_lines",
        verbose_name=_("part of (varav)"),
    )
    name = models.CharField(_("name"), max_length=200)
    party = models.ForeignKey(
        MemberParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member party"),
    )
    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_lines",
        verbose_name=_("intervention"),
    )
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.name and self.group_id:
            siblings = BudgetLine.objects.filter(group=self.group_id, parent=self.parent_id)
            if any(name_key(s.name) == name_key(self.name) for s in siblings.exclude(pk=self.pk)):
                # An exported workbook could not be read back: which of the two is a row?
                raise ValidationError({"name": _("The group already has a line of that name.")})
        if self.parent_id is None:
            return
        if self.parent_id == self.pk or self.parent.parent_id is not None:
            raise ValidationError(
                {"parent": _('A "varav" line is part of a line that is not itself a part.')}
            )
        if self.parent.group_id != self.group_id:
            raise ValidationError({"parent": _("The line it is part of is in another group.")})


class BudgetAmount(TenantModel):
    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="amounts")
    column = models.ForeignKey(BudgetColumn, on_delete=models.CASCADE, related_name="amounts")
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_('A short note shown beside the amount, e.g. "function under review".'),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("amount")
        verbose_name_plural = _("amounts")
        constraints = [
            models.UniqueConstraint(
                fields=["line", "column"], name="one_amount_per_line_and_column"
            )
        ]


class StatedFigure(TenantModel):
    """A total as the plan (or an imported workbook) states it, kept beside the computed one."""

    class Kind(models.TextChoices):
        GROUP_TOTAL = "group_total", _("Group total")
        INCOME_TOTAL = "income_total", _("Total income")
        COST_TOTAL = "cost_total", _("Total costs")
        RESULT = "result", _("Result of the year")
        EQUITY_END = "equity_end", _("Equity at the end of the year")

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="stated_figures")
    column = models.ForeignKey(BudgetColumn, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        BudgetGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stated figure")
        verbose_name_plural = _("stated figures")


class FinancialRule(TenantModel):
    """One of the förbund's own rules for equity and the spread of costs."""

    class Kind(models.TextChoices):
        EQUITY_MAX_PERCENT = (
            "equity_max_percent_of_income",
            _("Equity at most a percent of the year's income"),
        )
        EQUITY_MIN = "equity_min_amount", _("Equity at least an amount")
        EQUITY_MAX = "equity_max_amount", _("Equity at most an amount")
        LIQUIDITY_BUFFER = "liquidity_buffer", _("Liquidity buffer")
        ADMIN_MAX_PERCENT = (
            "admin_max_percent_of_costs",
            _("Administration at most a percent of the costs"),
        )
        GROUP_TARGET_SHARE = "group_target_share", _("Target share of the costs for a group")

    PERCENT_KINDS = {Kind.EQUITY_MAX_PERCENT, Kind.ADMIN_MAX_PERCENT, Kind.GROUP_TARGET_SHARE}

    kind = models.CharField(_("rule"), max_length=40, choices=Kind.choices)
    value = models.DecimalField(
        _("value"),
        max_digits=14,
        decimal_places=1,
        validators=[MinValueValidator(0)],
        help_text=_("A percentage (e.g. 20) or an amount in kronor (e.g. 500000)."),
    )
    category = models.CharField(_("group"), max_length=20, choices=Category.choices, blank=True)
    text = models.TextField(_("as the förbund writes it"), blank=True)
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("financial rule")
        verbose_name_plural = _("financial rules")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.get_kind_display()

    @property
    def is_percent(self) -> bool:
        return self.kind in self.PERCENT_KINDS

    @property
    def outcome_is_share(self) -> bool:
        """Whether the evaluated figure is a share of the costs (else it is kronor of equity)."""
        return self.kind in (self.Kind.ADMIN_MAX_PERCENT, self.Kind.GROUP_TARGET_SHARE)

    def clean(self):
        errors = {}
        if self.is_percent and self.value is not None and self.value > 100:
            errors["value"] = _("A percentage is at most 100.")
        if self.kind == self.Kind.GROUP_TARGET_SHARE and not self.category:
            errors["category"] = _("Choose the group the target share is for.")
        if self.kind != self.Kind.GROUP_TARGET_SHARE and self.category:
            errors["category"] = _("Only a target share is for a group.")
        if errors:
            raise ValidationError(errors)


# Outcome ------------------------------------------------------------------------------
#
# The year's real outcome is not part of the budget the board decided: it arrives after
# the plan is approved (and frozen), entered by hand or imported from the finance system
# (SIE 4). It is kept beside the budget, per line, and freezes with the annual report.


class LineOutcome(TenantModel):
    """The outcome of the plan year on one top-level income or cost line, whole kronor
    and positive as the budget's amounts are (a cost is a positive cost)."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered")
        IMPORTED = "imported", _("Imported from the finance system")

    line = models.OneToOneField(BudgetLine, on_delete=models.CASCADE, related_name="outcome")
    amount = models.DecimalField(_("outcome"), **MONEY)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ENTERED
    )
    imported_from = models.ForeignKey(
        "OutcomeImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self):
        return f"{self.line}: {self.amount}"


class AccountMapping(TenantModel):
    """Accounts of the förbund's books whose result is the outcome of a budget line.

    Kept per förbund, not per budget: each year's budget has lines of its own, so the
    line is named (compared as ``name_key`` compares names) and next year's import
    finds it again by its name."""

    first_account = models.PositiveIntegerField(_("from account"))
    last_account = models.PositiveIntegerField(_("to account"))
    line_name = models.CharField(_("budget line"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account mapping")
        verbose_name_plural = _("account mappings")
        ordering = ["first_account", "last_account", "pk"]

    def __str__(self):
        accounts = (
            str(self.first_account)
            if self.first_account == self.last_account
            else f"{self.first_account}–{self.last_account}"
        )
        return f"{accounts} → {self.line_name}"

    def covers(self, account: int) -> bool:
        return self.first_account <= account <= self.last_account

    def clean(self):
        if (
            self.first_account is not None
            and self.last_account is not None
            and self.last_account < self.first_account
        ):
            raise ValidationError(
                {"last_account": _("The last account comes before the first one.")}
            )
        if self.first_account is None or self.last_account is None:
            return
        overlapping = AccountMapping.objects.filter(
            association=self.association_id,
            first_account__lte=self.last_account,
            last_account__gte=self.first_account,
        ).exclude(pk=self.pk)
        for other in overlapping:
            if self.nests_with(other):
                continue
            raise ValidationError(
                _(
                    "The accounts overlap with %(other)s. A mapping may lie inside another "
                    "(the narrower one wins), but not across its edge or on the same accounts."
                )
                % {"other": other}
            )

    def nests_with(self, other: "AccountMapping") -> bool:
        """One lies inside the other and they are not the same accounts."""
        inside = (
            self.first_account >= other.first_account and self.last_account <= other.last_account
        )
        around = (
            self.first_account <= other.first_account and self.last_account >= other.last_account
        )
        same = (self.first_account, self.last_account) == (other.first_account, other.last_account)
        return (inside or around) and not same

    @property
    def width(self) -> int:
        return self.last_account - self.first_account


class OutcomeImport(TenantModel):
    """An SIE file read for a budget's outcome: kept as uploaded, so the outcome can be
    traced to its file, and so a file waiting for its accounts to be mapped is not lost."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for accounts to be mapped")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="outcome_imports")
    file_name = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(max_length=64)
    program = models.CharField(_("program"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    uploaded_by = models.ForeignKey(
        "associations.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("outcome import")
        verbose_name_plural = _("outcome imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.file_name

"""Budget arithmetic: plain functions on ``Decimal`` whole kronor, no database.

Every figure the budget pages show that is not typed by a user comes from here:
sums, the year's result, the equity roll-forward, the member contributions by
the Finsam rule, the förbund's financial rules, and the rounding to tkr for
display. Nothing here uses float.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import models
from django.utils.translation import gettext_lazy as _

from finsam.formatting import to_tkr

ZERO = Decimal(0)
KRONA = Decimal(1)


def whole_kronor(value) -> Decimal:
    """``Decimal`` rounded half away from zero to whole kronor (inputs are whole already)."""
    return Decimal(value).quantize(KRONA, rounding=ROUND_HALF_UP)


def total(amounts: Iterable) -> Decimal:
    """The sum of the amounts that are there (``None`` is an empty cell, not zero)."""
    return sum((Decimal(a) for a in amounts if a is not None), ZERO)


def difference(stated, computed) -> Decimal | None:
    """Stated minus computed, or None when nothing was stated."""
    if stated is None:
        return None
    return Decimal(stated) - Decimal(computed)


class Gap(models.TextChoices):
    """Why a figure cannot be computed: a side of the column is not filled in."""

    NO_INCOME = "no_income", _("The column has no income filled in.")
    NO_COSTS = "no_costs", _("The column has no costs filled in.")
    NO_OPENING = "no_opening", _("Nothing states the equity at the start of the year.")
    PREVIOUS_INCOMPLETE = (
        "previous_incomplete",
        _("The previous column has no equity at the end of the year."),
    )


@dataclass(frozen=True)
class Computed:
    """A figure computed from the lines, or the reason it cannot be: never zero for
    "nothing there". Exactly one of ``value`` and ``gap`` is set."""

    value: Decimal | None
    gap: Gap | None = None

    def __post_init__(self):
        if (self.value is None) == (self.gap is None):
            raise ValueError("A figure has either a value or a gap.")

    @classmethod
    def of(cls, value) -> "Computed":
        return cls(Decimal(value))

    @classmethod
    def missing(cls, gap: Gap) -> "Computed":
        return cls(None, gap)

    @property
    def known(self) -> bool:
        return self.gap is None


def side_total(amounts: Iterable, *, gap: Gap) -> Computed:
    """The total of one side of a column; missing (``gap``) when no amount is filled in."""
    present = [a for a in amounts if a is not None]
    if not present:
        return Computed.missing(gap)
    return Computed.of(total(present))


def year_result(*, income: Computed, equity_used, costs: Computed) -> Computed:
    """Årets resultat = intäkter utom eget kapital som tas i anspråk − kostnader.

    Equity taken into the budget among its income ("eget kapital från 2021") is money
    available in the year but not income of the year: it is already part of the equity
    at the start of the year. Missing when either side is missing."""
    if not income.known:
        return income
    if not costs.known:
        return costs
    return Computed.of(income.value - Decimal(equity_used) - costs.value)


def equity_end(*, start: Computed, result: Computed) -> Computed:
    """Eget kapital vid årets slut = eget kapital vid årets början + årets resultat."""
    if not start.known:
        return start
    if not result.known:
        return result
    return Computed.of(start.value + result.value)


def free_equity(*, end: Computed, allocations) -> Computed:
    """Fritt eget kapital = eget kapital vid årets slut − avsättningar (buffert, ej
    beslutat): money set aside is not spent, but it is no longer free."""
    if not end.known:
        return end
    return Computed.of(end.value - Decimal(allocations))


def equity_flow(
    columns: Sequence[tuple[int, Decimal | None]],
    results: Sequence[Computed],
    empty: Sequence[bool] = (),
) -> list[tuple[Computed, Computed]]:
    """``(start, end)`` of eget kapital for each budget column, given ``(year, stated
    opening)`` per column and each column's result.

    A column starts from the opening equity the plan states for it; else from the
    start of an earlier column of the same year (a decided budget and a forecast for
    2021 both start from the equity at the start of 2021); else from the end of the
    last column of the year before, if that end is known. Otherwise the start is
    missing, and so is the end. A column with nothing entered (``empty``: the blank
    forecast next year's copy adds) is passed over when carrying forward: it is not
    an incomplete year, only a column not filled in yet.
    """
    flow: list[tuple[Computed, Computed]] = []
    for index, (year, opening) in enumerate(columns):
        earlier = list(zip(columns[:index], flow, strict=True))
        same_year = [s for (y, _), (s, _e) in earlier if y == year]
        year_before = [
            e
            for n, ((y, _), (_s, e)) in enumerate(earlier)
            if y == year - 1 and not (n < len(empty) and empty[n])
        ]
        if opening is not None:
            start = Computed.of(opening)
        elif same_year:
            start = same_year[0]
        elif year_before:
            end_before = year_before[-1]
            start = end_before if end_before.known else Computed.missing(Gap.PREVIOUS_INCOMPLETE)
        else:
            start = Computed.missing(Gap.NO_OPENING)
        flow.append((start, equity_end(start=start, result=results[index])))
    return flow


# Member contributions ---------------------------------------------------------


@dataclass(frozen=True)
class Party:
    key: object
    kind: str  # "forsakringskassan", "arbetsformedlingen", "region", "kommun"
    population: int | None = None


class ContributionError(ValueError):
    """The rule cannot split the total; ``parties`` names the parties concerned."""

    def __init__(self, message: str, parties: Sequence[object] = ()):
        super().__init__(message)
        self.parties = list(parties)


def _largest_remainder(total_amount: Decimal, weights: Mapping[object, Fraction]) -> dict:
    """Split ``total_amount`` whole kronor by exact ``weights`` (summing to 1) so the
    shares add up to the total exactly; leftover kronor go to the largest remainders
    (ties: the order of ``weights``)."""
    exact = {key: Fraction(int(total_amount)) * weight for key, weight in weights.items()}
    floors = {key: value.numerator // value.denominator for key, value in exact.items()}
    leftover = int(total_amount) - sum(floors.values())
    order = sorted(weights, key=lambda key: exact[key] - floors[key], reverse=True)
    for key in order[:leftover]:
        floors[key] += 1
    return {key: Decimal(amount) for key, amount in floors.items()}


def contribution_split(total_amount, parties: Sequence[Party]) -> dict[object, Decimal]:
    """The Finsam rule (Lag 2003:1210, 9 §): the state pays half, through
    Försäkringskassan (Arbetsförmedlingen's share included, so Arbetsförmedlingen
    pays nothing here); the region(s) a quarter; the kommuner together a quarter,
    split by population. Whole kronor, and the shares always add up to the total.
    """
    amount = whole_kronor(total_amount)
    if amount < 0:
        raise ContributionError("The total cannot be negative.")
    state = [p for p in parties if p.kind == "forsakringskassan"]
    regions = [p for p in parties if p.kind == "region"]
    kommuner = [p for p in parties if p.kind == "kommun"]
    if len(state) != 1 or not regions or not kommuner:
        raise ContributionError(
            "The rule needs Försäkringskassan, a region and at least one kommun."
        )
    missing = [p.key for p in kommuner if not p.population]
    if missing:
        raise ContributionError("Population is missing for a kommun.", missing)
    population = sum(p.population for p in kommuner)
    weights: dict[object, Fraction] = {state[0].key: Fraction(1, 2)}
    for region in regions:
        weights[region.key] = Fraction(1, 4 * len(regions))
    for kommun in kommuner:
        weights[kommun.key] = Fraction(kommun.population, 4 * population)
    shares = _largest_remainder(amount, weights)
    for party in parties:
        shares.setdefault(party.key, ZERO)
    return shares


# Display in tkr ---------------------------------------------------------------


# Whole kronor → whole tkr, half away from zero: the one rounding the display also uses.
tkr = to_tkr


def tkr_adding_up(amounts: Sequence[Decimal]) -> tuple[list[Decimal], Decimal]:
    """Lines and their total in tkr, rounded so the shown lines add up to the shown total.

    The total is the exact sum rounded half away from zero; the lines are apportioned
    to it by ``tkr_apportioned``.
    """
    values = [Decimal(a) for a in amounts]
    shown_total = tkr(sum(values, ZERO))
    return tkr_apportioned(values, shown_total), shown_total


def tkr_apportioned(amounts: Sequence[Decimal], shown_total: Decimal) -> list[Decimal]:
    """The amounts in whole tkr, adding up to ``shown_total`` (largest remainder).

    Each amount is first rounded down; the thousands still missing go to the amounts
    with the largest remainders (or, when there are too many, come off those with the
    smallest). ``shown_total`` is the rounded sum, or a figure within 1 tkr of it that
    a level above has already shown: each amount then moves at most 1 tkr from its own
    rounding.
    """
    values = [Decimal(a) for a in amounts]
    if not values:
        return []
    floors = [(v / 1000).to_integral_value(rounding=ROUND_FLOOR) for v in values]
    missing = int(Decimal(shown_total) - sum(floors, ZERO))
    remainders = sorted(
        range(len(values)), key=lambda i: values[i] / 1000 - floors[i], reverse=missing > 0
    )
    step = 1 if missing > 0 else -1
    for n in range(abs(missing)):
        floors[remainders[n % len(values)]] += step
    return floors


# The förbund's financial rules ------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    income: Computed  # the year's own income: equity taken in is not income
    costs: Computed
    equity_end: Computed
    costs_by_category: Mapping[str, Decimal] = field(default_factory=dict)


class RuleStatus(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    CANNOT_ASSESS = "cannot_assess", _("Cannot be assessed")


@dataclass(frozen=True)
class RuleOutcome:
    status: RuleStatus
    actual: Decimal | None = None  # kronor, or a percentage for share rules
    limit: Decimal | None = None  # kronor, or a percentage
    gap: Gap | None = None  # why it cannot be assessed

    @property
    def met(self) -> bool:
        return self.status == RuleStatus.MET

    @property
    def assessable(self) -> bool:
        return self.status != RuleStatus.CANNOT_ASSESS


def _outcome(met: bool, actual: Decimal, limit: Decimal) -> RuleOutcome:
    return RuleOutcome(RuleStatus.MET if met else RuleStatus.NOT_MET, actual, limit)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return ZERO
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


EQUITY_RULES = {
    "equity_max_percent_of_income",
    "equity_min_amount",
    "liquidity_buffer",
    "equity_max_amount",
}
SHARE_RULES = {"admin_max_percent_of_costs", "group_target_share"}


def evaluate_rule(
    kind: str, value: Decimal, figures: YearFigures, *, category: str | None = None
) -> RuleOutcome:
    """Is the rule met for one year column? ``value`` is a percent or whole kronor.

    Kinds: ``equity_max_percent_of_income`` (eget kapital at most N % of the year's
    income), ``equity_min_amount``, ``equity_max_amount``, ``liquidity_buffer``
    (equity at least the buffer), ``admin_max_percent_of_costs``, and
    ``group_target_share`` (a cost category's share of all costs, within one
    percentage point of the target). A rule whose figure is missing is never
    evaluated: the outcome says it cannot be assessed, and why.
    """
    value = Decimal(value)
    if kind not in EQUITY_RULES | SHARE_RULES:
        raise ValueError(f"Unknown rule kind: {kind}")
    needed = [figures.costs] if kind in SHARE_RULES else [figures.equity_end]
    if kind == "equity_max_percent_of_income":
        needed.insert(0, figures.income)
    for figure in needed:
        if not figure.known:
            return RuleOutcome(RuleStatus.CANNOT_ASSESS, gap=figure.gap)
    if kind == "equity_max_percent_of_income":
        limit = whole_kronor(figures.income.value * value / 100)
        equity = figures.equity_end.value
        return _outcome(equity <= limit, equity, limit)
    if kind in ("equity_min_amount", "liquidity_buffer"):
        equity = figures.equity_end.value
        return _outcome(equity >= value, equity, value)
    if kind == "equity_max_amount":
        equity = figures.equity_end.value
        return _outcome(equity <= value, equity, value)
    costs = figures.costs.value
    if kind == "admin_max_percent_of_costs":
        share = _percent(figures.costs_by_category.get("administration", ZERO), costs)
        return _outcome(share <= value, share, value)
    share = _percent(figures.costs_by_category.get(category or "", ZERO), costs)
    return _outcome(abs(share - value) <= 1, share, value)

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


def year_result(*, income: Decimal, costs: Decimal) -> Decimal:
    """Årets resultat = intäkter − kostnader."""
    return Decimal(income) - Decimal(costs)


def equity_change(*, result: Decimal, equity_used: Decimal) -> Decimal:
    """How much the year changes eget kapital: its result, less the equity the budget
    takes in among its income ("eget kapital från 2021"). That money is already part of
    the equity at the start of the year; counted as income and kept in the equity too,
    it would be counted twice."""
    return Decimal(result) - Decimal(equity_used)


def equity_starts(
    columns: Sequence[tuple[int, Decimal | None]], results: Sequence[Decimal | None]
) -> list[Decimal | None]:
    """Eget kapital at the start of each budget column, given ``(year, opening)`` per
    column and how each column changes the equity (``equity_change``; None for a column
    with nothing entered, such as the empty forecast of next year's copy: it has no end
    and carries nothing forward).

    A column starts from its own opening equity if it has one; else from the start of
    an earlier column of the same year (a decided budget and a forecast for 2021 both
    start from the equity at the start of 2021); else from the end of the last earlier
    column of the year before (carried forward). None where nothing says.
    """
    starts: list[Decimal | None] = []
    ends: list[Decimal | None] = []
    for index, (year, opening) in enumerate(columns):
        earlier = list(zip(columns[:index], starts, ends, strict=True))
        start = opening
        if start is None:
            start = next((s for (y, _), s, _ in earlier if y == year and s is not None), None)
        if start is None:
            start = next(
                (e for (y, _), _, e in reversed(earlier) if y == year - 1 and e is not None),
                None,
            )
        starts.append(start)
        change = results[index]
        ends.append(None if start is None or change is None else start + Decimal(change))
    return starts


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
    income: Decimal
    costs: Decimal
    equity_end: Decimal
    costs_by_category: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleOutcome:
    met: bool
    actual: Decimal  # kronor, or a percentage for share rules
    limit: Decimal  # kronor, or a percentage


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return ZERO
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def evaluate_rule(
    kind: str, value: Decimal, figures: YearFigures, *, category: str | None = None
) -> RuleOutcome:
    """Is the rule met for one year column? ``value`` is a percent or whole kronor.

    Kinds: ``equity_max_percent_of_income`` (eget kapital at most N % of the year's
    income), ``equity_min_amount``, ``equity_max_amount``, ``liquidity_buffer``
    (equity at least the buffer), ``admin_max_percent_of_costs``, and
    ``group_target_share`` (a cost category's share of all costs, within one
    percentage point of the target).
    """
    value = Decimal(value)
    if kind == "equity_max_percent_of_income":
        limit = whole_kronor(figures.income * value / 100)
        return RuleOutcome(figures.equity_end <= limit, figures.equity_end, limit)
    if kind in ("equity_min_amount", "liquidity_buffer"):
        return RuleOutcome(figures.equity_end >= value, figures.equity_end, value)
    if kind == "equity_max_amount":
        return RuleOutcome(figures.equity_end <= value, figures.equity_end, value)
    if kind == "admin_max_percent_of_costs":
        share = _percent(figures.costs_by_category.get("administration", ZERO), figures.costs)
        return RuleOutcome(share <= value, share, value)
    if kind == "group_target_share":
        share = _percent(figures.costs_by_category.get(category or "", ZERO), figures.costs)
        return RuleOutcome(abs(share - value) <= 1, share, value)
    raise ValueError(f"Unknown rule kind: {kind}")

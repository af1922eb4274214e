from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets.calculations import (
    Computed,
    ContributionError,
    Gap,
    Party,
    RuleStatus,
    YearFigures,
    contribution_split,
    difference,
    equity_flow,
    evaluate_rule,
    free_equity,
    side_total,
    tkr,
    tkr_adding_up,
    tkr_apportioned,
    total,
    year_result,
)

amounts = st.integers(min_value=0, max_value=10**10).map(Decimal)


def sollentuna_parties():
    return [
        Party("FK", "forsakringskassan"),
        Party("AF", "arbetsformedlingen"),
        Party("SLL", "region"),
        Party("Sollentuna", "kommun", 74800),
        Party("Upplands Väsby", "kommun", 45900),
        Party("Sigtuna", "kommun", 49300),
    ]


def test_seed_004_contribution_split():
    shares = contribution_split(Decimal(6930000), sollentuna_parties())
    assert shares["FK"] == Decimal(3465000)
    assert shares["AF"] == 0
    assert shares["SLL"] == Decimal(1732500)
    assert (shares["Sollentuna"], shares["Upplands Väsby"], shares["Sigtuna"]) == (
        Decimal(762300),
        Decimal(467775),
        Decimal(502425),
    )


@given(
    amounts,
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=2),
)
def test_split_always_adds_up_to_the_total_in_whole_kronor(amount, populations, regions):
    parties = [Party("FK", "forsakringskassan"), Party("AF", "arbetsformedlingen")]
    parties += [Party(f"R{i}", "region") for i in range(regions)]
    parties += [Party(f"K{i}", "kommun", p) for i, p in enumerate(populations)]
    shares = contribution_split(amount, parties)
    assert sum(shares.values()) == amount
    assert all(s == s.to_integral_value() and s >= 0 for s in shares.values())
    # Each share is within one krona of its exact value.
    assert abs(shares["FK"] - amount / 2) < 1
    assert abs(sum(shares[f"R{i}"] for i in range(regions)) - amount / 4) < 1 + regions


def test_split_needs_every_kommuns_population():
    parties = sollentuna_parties()
    parties[4] = Party("Upplands Väsby", "kommun", None)
    with pytest.raises(ContributionError) as error:
        contribution_split(Decimal(100), parties)
    assert error.value.parties == ["Upplands Väsby"]


def test_seed_000_stated_total_differs_from_its_lines():
    lines = [Decimal(x) for x in (4896000, 2448000, 1603000, 278000, 155000, 410000)]
    assert total(lines) == Decimal(9790000)
    assert difference(Decimal(9792000), total(lines)) == Decimal(2000)
    assert difference(None, total(lines)) is None


@given(st.lists(st.one_of(st.none(), amounts), max_size=20))
def test_total_is_the_sum_of_the_lines_present(lines):
    assert total(lines) == sum((x for x in lines if x is not None), Decimal(0))


def known(value) -> Computed:
    return Computed.of(Decimal(value))


def test_year_result():
    result = year_result(income=known(7046000), equity_used=0, costs=known(7638500))
    assert result == known(-592500)


def test_a_figure_is_either_a_value_or_a_gap():
    with pytest.raises(ValueError):
        Computed(None)
    with pytest.raises(ValueError):
        Computed(Decimal(1), Gap.NO_INCOME)


def test_a_side_with_nothing_filled_in_is_missing_not_zero():
    assert side_total([None, None], gap=Gap.NO_INCOME) == Computed.missing(Gap.NO_INCOME)
    assert side_total([None, Decimal(0)], gap=Gap.NO_INCOME) == known(0)


@given(
    st.one_of(st.none(), amounts),
    st.integers(min_value=0, max_value=10**9).map(Decimal),
    st.one_of(st.none(), amounts),
)
def test_a_result_is_never_computed_from_a_missing_side(own_income, equity_used, costs):
    income = (
        Computed.missing(Gap.NO_INCOME) if own_income is None else known(own_income + equity_used)
    )
    cost = Computed.missing(Gap.NO_COSTS) if costs is None else known(costs)
    result = year_result(income=income, equity_used=equity_used, costs=cost)
    if own_income is None:
        assert result.gap == Gap.NO_INCOME
    elif costs is None:
        assert result.gap == Gap.NO_COSTS
    else:
        # Result = income without the equity used − costs.
        assert result == known(own_income - costs)


@given(amounts, st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=10))
def test_consecutive_years_end_at_opening_plus_all_results(opening, results):
    columns = [(2022 + i, opening if i == 0 else None) for i in range(len(results))]
    flow = equity_flow(columns, [known(r) for r in results])
    for (start, end), result in zip(flow, results, strict=True):
        assert end.value == start.value + result  # equity end = start + result
    if results:
        assert flow[-1][1].value == opening + sum(Decimal(r) for r in results)


def test_tkr_rounds_half_away_from_zero():
    assert tkr(Decimal(7638500)) == 7639
    assert tkr(Decimal(7638400)) == 7638
    assert tkr(Decimal(-1500)) == -2


@given(st.lists(st.integers(min_value=0, max_value=10**9).map(Decimal), min_size=1, max_size=30))
def test_tkr_lines_add_up_to_the_shown_total(lines):
    shown, shown_total = tkr_adding_up(lines)
    assert sum(shown) == shown_total == tkr(sum(lines))
    assert all(abs(s - line / 1000) < 1 for s, line in zip(shown, lines, strict=True))


@given(
    st.lists(
        st.integers(min_value=-(10**8), max_value=10**9).map(Decimal), min_size=1, max_size=30
    ),
    st.sampled_from([-1, 0, 1]),
)
def test_tkr_lines_apportioned_to_a_total_shown_above_them(lines, nudge):
    """A group's total shown in tkr may already be 1 tkr off its own rounding (to add up
    with the other groups); its lines still add up to it, each within 1 tkr + rounding."""
    shown_total = tkr(sum(lines)) + nudge
    shown = tkr_apportioned(lines, shown_total)
    assert sum(shown) == shown_total
    assert all(abs(s - line / 1000) < 2 for s, line in zip(shown, lines, strict=True))


def figures(**kwargs):
    defaults = {"income": Decimal(7000000), "costs": Decimal(7000000), "equity_end": Decimal(0)}
    values = {**defaults, **kwargs}
    for name in ("income", "costs", "equity_end"):
        values[name] = known(values[name])
    return YearFigures(**values)


@pytest.mark.parametrize(
    ("kind", "value", "year", "met"),
    [
        ("equity_max_percent_of_income", 20, figures(equity_end=Decimal(1400000)), True),
        ("equity_max_percent_of_income", 20, figures(equity_end=Decimal(1400001)), False),
        ("equity_min_amount", 500000, figures(equity_end=Decimal(499999)), False),
        ("liquidity_buffer", 700000, figures(equity_end=Decimal(700000)), True),
        ("equity_max_amount", 1700000, figures(equity_end=Decimal(1700001)), False),
        (
            "admin_max_percent_of_costs",
            15,
            figures(costs_by_category={"administration": Decimal(1050000)}),
            True,
        ),
        (
            "admin_max_percent_of_costs",
            15,
            figures(costs_by_category={"administration": Decimal(1060000)}),
            False,
        ),
    ],
)
def test_financial_rules(kind, value, year, met):
    assert evaluate_rule(kind, Decimal(value), year).met is met


def test_target_share_within_one_percentage_point():
    year = figures(costs_by_category={"individual": Decimal(5100000)})  # 72.9 %
    outcome = evaluate_rule("group_target_share", Decimal(72), year, category="individual")
    assert outcome.met and outcome.actual == Decimal("72.9")
    outcome = evaluate_rule("group_target_share", Decimal(6), year, category="structural")
    assert not outcome.met and outcome.actual == 0


def test_equity_carries_from_the_year_before_and_is_shared_within_a_year():
    columns = [(2021, Decimal(3723000)), (2021, None), (2022, None), (2023, None)]
    results = [known(-1992000), known(-1039000), known(-500000), known(100000)]
    starts = [start.value for start, _end in equity_flow(columns, results)]
    assert starts == [
        Decimal(3723000),  # decided 2021: its own opening equity
        Decimal(3723000),  # forecast 2021: the same year's start
        Decimal(2684000),  # 2022: where the last 2021 column (the forecast) ended
        Decimal(2184000),
    ]
    flow = equity_flow([(2022, None), (2023, None)], [known(1), known(2)])
    assert [(s.gap, e.gap) for s, e in flow] == [
        (Gap.NO_OPENING, Gap.NO_OPENING),
        (Gap.PREVIOUS_INCOMPLETE, Gap.PREVIOUS_INCOMPLETE),
    ]


def test_seed_000_an_incomplete_column_carries_nothing_and_a_stated_opening_wins():
    """Samspelet: the 2021 forecast has costs only. It has no result and no end, so it
    cannot carry −7 234 tkr into 2022; 2022 starts from the stated 2 684 tkr."""
    columns = [(2021, Decimal(3723000)), (2021, None), (2022, None)]
    results = [known(-1992000), Computed.missing(Gap.NO_INCOME), known(-880000)]
    flow = equity_flow(columns, results)
    assert flow[1] == (known(3723000), Computed.missing(Gap.NO_INCOME))
    assert flow[2][0] == Computed.missing(Gap.PREVIOUS_INCOMPLETE)
    columns[2] = (2022, Decimal(2684000))
    assert equity_flow(columns, results)[2] == (known(2684000), known(1804000))


def test_seed_001_equity_taken_in_as_income_is_not_a_result():
    """Östra Värmland 2022: 1 848 000 of contributions and 324 581 of equity brought in,
    1 958 000 of costs: the result is −110 000 and the equity ends at 214 581."""
    result = year_result(income=known(2172581), equity_used=Decimal(324581), costs=known(1958000))
    assert result == known(-110000)
    assert equity_flow([(2022, Decimal(324581))], [result]) == [(known(324581), known(214581))]


def test_allocations_reduce_the_free_equity():
    assert free_equity(end=known(1804000), allocations=Decimal(2531000)) == known(-727000)
    missing = Computed.missing(Gap.NO_INCOME)
    assert free_equity(end=missing, allocations=Decimal(700000)) == missing


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("equity_max_amount", {"equity_end": Computed.missing(Gap.NO_INCOME)}),
        ("liquidity_buffer", {"equity_end": Computed.missing(Gap.NO_OPENING)}),
        ("equity_max_percent_of_income", {"income": Computed.missing(Gap.NO_INCOME)}),
        ("admin_max_percent_of_costs", {"costs": Computed.missing(Gap.NO_COSTS)}),
    ],
)
def test_a_rule_on_a_missing_figure_cannot_be_assessed(kind, missing):
    year = figures()
    year = YearFigures(**{**year.__dict__, **missing})
    outcome = evaluate_rule(kind, Decimal(20), year)
    assert outcome.status == RuleStatus.CANNOT_ASSESS
    assert not outcome.met
    assert outcome.gap == next(iter(missing.values())).gap


def test_a_column_with_nothing_entered_carries_nothing_forward():
    """An empty forecast (next year's copy adds one) does not hide the decided budget's end."""
    columns = [(2022, Decimal(1000)), (2022, None), (2023, None)]
    results = [known(-200), Computed.missing(Gap.NO_INCOME), known(50)]
    flow = equity_flow(columns, results, empty=[False, True, False])
    assert [start.value for start, _end in flow] == [Decimal(1000), Decimal(1000), Decimal(800)]

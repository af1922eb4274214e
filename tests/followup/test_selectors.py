"""The quarter arithmetic and where a new quarter's figures start from."""

import pytest

from followup import services
from followup.models import Gender
from followup.selectors import carried_over, quarter_shift

from .conftest import counts


@pytest.mark.parametrize(
    ("year", "quarter", "by", "expected"),
    [
        (2022, 2, -1, (2022, 1)),
        (2022, 1, -1, (2021, 4)),
        (2022, 4, 1, (2023, 1)),
        (2022, 3, 1, (2022, 4)),
        (2022, 1, 0, (2022, 1)),
        (2022, 1, -5, (2020, 4)),
        (2022, 4, 8, (2024, 4)),
    ],
)
def test_quarter_shift_crosses_years(year, quarter, by, expected):
    assert quarter_shift(year, quarter, by) == expected


def test_quarter_shift_there_and_back_is_the_same_quarter():
    for quarter in (1, 2, 3, 4):
        for by in range(-9, 10):
            assert quarter_shift(*quarter_shift(2022, quarter, by), -by) == (2022, quarter)


def save_quarter(intervention, members, measures, *, year, quarter, **values):
    services.quarter_report_save(
        intervention=intervention,
        year=year,
        quarter=quarter,
        acting_user=members["kansli"],
        expected_version=None,
        values=counts(measures, **values),
    )


def test_carried_over_is_the_active_who_did_not_end(intervention, members, measures):
    save_quarter(
        intervention, members, measures, year=2022, quarter=1, active=(12, 9), ended=(2, 1)
    )
    carried = carried_over(
        intervention=intervention, year=2022, quarter=2, measures=measures.values()
    )
    active = measures["active"].pk
    assert carried == {(active, Gender.WOMEN): 10, (active, Gender.MEN): 8}


def test_carried_over_into_a_first_quarter_starts_from_last_years_fourth(
    intervention, members, measures
):
    save_quarter(intervention, members, measures, year=2022, quarter=4, active=(3, 5), ended=(3, 0))
    carried = carried_over(
        intervention=intervention, year=2023, quarter=1, measures=measures.values()
    )
    active = measures["active"].pk
    assert carried == {(active, Gender.WOMEN): 0, (active, Gender.MEN): 5}


def test_nothing_is_carried_without_a_previous_report_or_an_active_measure(
    intervention, members, measures
):
    assert (
        carried_over(intervention=intervention, year=2022, quarter=2, measures=measures.values())
        == {}
    )
    save_quarter(intervention, members, measures, year=2022, quarter=1, active=(12, 9))
    without_active = [m for key, m in measures.items() if key != "active"]
    assert (
        carried_over(intervention=intervention, year=2022, quarter=2, measures=without_active) == {}
    )

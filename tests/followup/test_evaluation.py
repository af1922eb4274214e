"""Measurement points evaluated against the year's figures."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from followup import evaluation as e


def figures_for(iid, quarters):
    """``quarters``: quarter → {key: (women, men)}."""
    figures = {}
    for quarter, values in quarters.items():
        for key, (women, men) in values.items():
            figures[(iid, quarter, key, "women")] = women
            figures[(iid, quarter, key, "men")] = men
    return figures


STEGEN_KARLSTAD = figures_for(
    1,
    {
        1: {"active": (60, 50), "new": (14, 11), "ended": (10, 8), "ended_work": (3, 2)},
        2: {"active": (62, 53), "new": (12, 10), "ended": (12, 9), "ended_work": (4, 3)},
        3: {"active": (58, 52), "new": (8, 8), "ended": (9, 7), "ended_studies": (2, 1)},
        4: {"active": (61, 55), "new": (13, 11), "ended": (11, 10), "ended_work": (3, 3)},
    },
)
STEGEN_KRISTINEHAMN = figures_for(
    2,
    {
        1: {"active": (30, 26), "new": (9, 8)},
        2: {"active": (31, 25), "new": (8, 6)},
        3: {"active": (28, 27), "new": (6, 7)},
    },
)


def test_participants_in_a_year_are_people_not_person_quarters():
    quarters = {1: {"active": 60, "new": 14}, 2: {"active": 62, "new": 12}, 3: {"new": 8}}
    assert e.participants_in_year(quarters) == 60 + 12 + 8
    assert e.participants_in_year({}) is None
    # The first quarter reported may be a later one.
    assert e.participants_in_year({2: {"active": 20, "new": 5}, 4: {"new": 3}}) == 23


def test_minst_200_i_stegarna_sums_both_stegen():
    figures = {**STEGEN_KARLSTAD, **STEGEN_KRISTINEHAMN}
    result = e.count_floor_result(
        target=200, figures=figures, intervention_ids=[1, 2], quarters_elapsed=4
    )
    karlstad = 110 + (12 + 10) + (8 + 8) + (13 + 11)
    kristinehamn = 56 + (8 + 6) + (6 + 7)
    assert result.figure == karlstad + kristinehamn == 255
    assert result.by_gender == {"women": 60 + 12 + 8 + 13 + 30 + 8 + 6, "men": 255 - 137}
    assert result.status == e.REACHED
    only_karlstad = e.count_floor_result(
        target=200, figures=figures, intervention_ids=[1], quarters_elapsed=4
    )
    assert only_karlstad.status == e.NOT_REACHED


def test_progress_during_the_year():
    assert e.progress_status(100, 200, quarters_elapsed=2) == e.ON_TRACK
    assert e.progress_status(80, 200, quarters_elapsed=2) == e.BEHIND
    assert e.progress_status(200, 200, quarters_elapsed=1) == e.REACHED
    assert e.progress_status(199, 200, quarters_elapsed=4) == e.NOT_REACHED
    assert e.progress_status(None, 200, quarters_elapsed=4) == e.NO_DATA


def test_share_of_outcomes_against_the_ended():
    result = e.outcome_share_result(
        target_percent=Decimal(25),
        figures=STEGEN_KARLSTAD,
        intervention_ids=[1],
        work=True,
        studies=True,
        quarters_elapsed=4,
    )
    ended = 10 + 8 + 12 + 9 + 9 + 7 + 11 + 10
    outcomes = 3 + 2 + 4 + 3 + 2 + 1 + 3 + 3
    assert (ended, outcomes) == (76, 21)
    assert result.figure == Decimal("27.6")
    assert result.status == e.REACHED
    assert result.base["all"] == ended


def test_share_reached_and_by_gender():
    figures = figures_for(7, {1: {"ended": (4, 6), "ended_work": (1, 2), "ended_studies": (1, 0)}})
    result = e.outcome_share_result(
        target_percent=Decimal(35),
        figures=figures,
        intervention_ids=[7],
        work=True,
        studies=True,
        quarters_elapsed=4,
    )
    assert result.figure == Decimal("40.0")
    assert result.by_gender == {"women": Decimal("50.0"), "men": Decimal("33.3")}
    assert result.status == e.REACHED
    only_work = e.outcome_share_result(
        target_percent=Decimal(35),
        figures=figures,
        intervention_ids=[7],
        work=True,
        studies=False,
        quarters_elapsed=2,
    )
    assert (only_work.figure, only_work.status) == (Decimal("30.0"), e.BEHIND)


def test_no_one_ended_gives_no_share():
    result = e.outcome_share_result(
        target_percent=Decimal(25),
        figures={},
        intervention_ids=[1],
        work=True,
        studies=False,
        quarters_elapsed=4,
    )
    assert result.status == e.NO_DATA and result.figure is None


def test_activity_count_sums_a_plain_count_over_the_year():
    figures = {(1, q + 1, "consultations", "all"): n for q, n in enumerate((18, 22, 14, 21))}
    figures.update({(2, q + 1, "consultations", "all"): n for q, n in enumerate((11, 13, 9))})
    result = e.activity_count_result(
        target=200,
        figures=figures,
        intervention_ids=[1, 2],
        measure_key="consultations",
        quarters_elapsed=4,
    )
    assert (result.figure, result.status, result.by_gender) == (108, e.NOT_REACHED, {})


def test_points_the_figures_cannot_answer_are_assessed_by_hand():
    point = SimpleNamespace(kind="qualitative", target_count=None, target_percent=None)
    result = e.evaluate(
        point,
        figures={},
        intervention_ids=[1],
        measure_key=None,
        elapsed=4,
        manual_status="reached",
    )
    assert (result.automatic, result.status) == (False, "reached")
    activity_without_measure = SimpleNamespace(
        kind="activity_count", target_count=4, target_percent=None
    )
    result = e.evaluate(
        activity_without_measure, figures={}, intervention_ids=[1], measure_key=None, elapsed=4
    )
    assert not result.automatic and result.status == e.NO_DATA


def test_quarters_elapsed():
    assert e.quarters_elapsed(2022, datetime.date(2022, 1, 15)) == 0
    assert e.quarters_elapsed(2022, datetime.date(2022, 7, 1)) == 2
    assert e.quarters_elapsed(2022, datetime.date(2023, 1, 1)) == 4
    assert e.quarters_elapsed(2023, datetime.date(2022, 6, 1)) == 0


def count_point(measure, target=5):
    return SimpleNamespace(
        kind="count_floor", measure=measure, target_count=target, target_percent=None
    )


def test_a_number_is_evaluated_only_from_the_measure_it_is_about():
    figures = {**STEGEN_KARLSTAD}
    evaluate = {"figures": figures, "intervention_ids": [1], "measure_key": None, "elapsed": 4}
    participants = e.evaluate(count_point("participants", 200), **evaluate)
    assert (participants.figure, participants.measure) == (110 + 22 + 16 + 24, e.PARTICIPANTS)
    ended = e.evaluate(count_point("ended", 80), **evaluate)
    assert (ended.figure, ended.status, ended.measure) == (76, e.NOT_REACHED, e.ENDED)
    into_work = e.evaluate(count_point("ended_work", 3), **evaluate)
    assert into_work.figure == 3 + 2 + 4 + 3 + 3 + 3
    assert into_work.by_gender == {"women": 10, "men": 8}
    assert into_work.status == e.REACHED
    into_studies = e.evaluate(count_point("ended_studies", 5), **evaluate)
    assert (into_studies.figure, into_studies.status) == (3, e.NOT_REACHED)


def test_a_number_without_its_measure_is_not_assessed():
    result = e.evaluate(
        count_point(""), figures=STEGEN_KARLSTAD, intervention_ids=[1], measure_key=None, elapsed=4
    )
    assert not result.automatic and result.status == e.NO_DATA and result.figure is None
    assert result.label == e.STATUS_LABELS[e.NO_DATA]
    # An activity count needs its measure too, even with the reported measure chosen.
    activities = SimpleNamespace(
        kind="activity_count", measure="", target_count=4, target_percent=None
    )
    figures = {(1, 1, "consultations", "all"): 6}
    result = e.evaluate(
        activities, figures=figures, intervention_ids=[1], measure_key="consultations", elapsed=4
    )
    assert not result.automatic
    activities.measure = "activities"
    result = e.evaluate(
        activities, figures=figures, intervention_ids=[1], measure_key="consultations", elapsed=4
    )
    assert (result.automatic, result.figure, result.measure) == (True, 6, e.ACTIVITIES)

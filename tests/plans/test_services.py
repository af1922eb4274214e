import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from plans import services
from plans.models import MeasurementPoint, Plan, PlanIntervention, Section
from tests.factories import (
    GoalFactory,
    PlanInterventionFactory,
    SectionFactory,
)


@given(st.lists(st.integers(), min_size=1, max_size=8, unique=True), st.data())
def test_reordered_keeps_every_item_and_moves_one(items, data):
    item = data.draw(st.sampled_from(items))
    offset = data.draw(st.integers(min_value=-10, max_value=10))
    result = services.reordered(items, item, offset)
    assert sorted(result) == sorted(items)
    expected = min(max(items.index(item) + offset, 0), len(items) - 1)
    assert result.index(item) == expected


def test_move_section_down_and_up(plan, members):
    a, b, c = (SectionFactory(association=plan.association, plan=plan, order=i) for i in (1, 2, 3))
    services.plan_part_move(instance=a, acting_user=members["kansli"], offset=1)
    assert list(plan.sections.all()) == [b, a, c]
    services.plan_part_move(instance=c, acting_user=members["kansli"], offset=-5)
    assert list(plan.sections.all()) == [c, b, a]


def test_second_save_of_the_same_version_is_refused_and_keeps_the_first(plan, members):
    section = SectionFactory(association=plan.association, plan=plan, body="Original")
    first = Section.objects.get(pk=section.pk)
    second = Section.objects.get(pk=section.pk)
    first.body = "Kansli A:s text"
    services.plan_part_save(instance=first, acting_user=members["kansli"], expected_version=1)
    second.body = "Kansli B:s text"
    with pytest.raises(services.EditConflict) as conflict:
        services.plan_part_save(instance=second, acting_user=members["kansli"], expected_version=1)
    assert conflict.value.current.body == "Kansli A:s text"
    section.refresh_from_db()
    assert (section.body, section.version) == ("Kansli A:s text", 2)


@pytest.mark.parametrize("status", [Plan.Status.APPROVED, Plan.Status.REVIEW])
def test_a_plan_that_is_not_a_draft_cannot_change(plan, members, status):
    section = SectionFactory(association=plan.association, plan=plan, body="Fastställd")
    plan.status = status
    plan.save()
    section.body = "Ändrad"
    with pytest.raises(ValidationError):
        services.plan_part_save(instance=section, acting_user=members["kansli"], expected_version=1)
    with pytest.raises(ValidationError):
        services.plan_part_delete(instance=section, acting_user=members["kansli"])
    with pytest.raises(ValidationError):
        services.plan_part_move(instance=section, acting_user=members["kansli"], offset=1)
    section.refresh_from_db()
    assert section.body == "Fastställd"


def point(plan, **fields):
    goal = GoalFactory(association=plan.association, plan=plan)
    return MeasurementPoint(association=plan.association, plan=plan, goal=goal, **fields)


@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({"kind": "count_floor", "text": "Minst"}, "target_count"),
        ({"kind": "share_target", "text": "90 %", "target_percent": 150}, "target_percent"),
        ({"kind": "share_target", "text": "x", "target_percent": -1}, "target_percent"),
        ({"kind": "outcome_share", "text": "25 %", "target_percent": 25}, "outcome_work"),
        (
            {"kind": "milestone", "text": "senast mars", "deadline": datetime.date(2026, 3, 31)},
            "deadline",
        ),
        ({"kind": "activity_count", "text": "Minst 4", "target_count": 4}, "activity"),
        ({"kind": "trend", "text": "ska öka"}, "direction"),
        (
            {"kind": "share_target", "text": "x", "target_percent": 90, "indicators": "1;3"},
            "indicators",
        ),
        (
            {"kind": "share_target", "text": "x", "target_percent": 90, "survey_threshold": 7},
            "survey_threshold",
        ),
        # A number counts participants or outcomes, an activity count activities; other
        # kinds are not counted from a follow-up figure.
        (
            {"kind": "count_floor", "text": "x", "target_count": 3, "measure": "activities"},
            "measure",
        ),
        (
            {
                "kind": "activity_count",
                "text": "x",
                "target_count": 4,
                "activity": "möten",
                "measure": "participants",
            },
            "measure",
        ),
        ({"kind": "qualitative", "text": "x", "measure": "ended"}, "measure"),
    ],
)
def test_measurement_point_types_need_their_fields(plan, fields, field_in_error):
    with pytest.raises(ValidationError) as error:
        point(plan, **fields).full_clean()
    assert field_in_error in error.value.error_dict


def test_valid_measurement_points(plan):
    for fields in [
        {"kind": "count_floor", "text": "Minst 200", "target_count": 200},
        {
            "kind": "count_floor",
            "text": "Minst 3 till arbete",
            "target_count": 3,
            "measure": "ended_work",
        },
        {
            "kind": "activity_count",
            "text": "Minst 4",
            "target_count": 4,
            "activity": "möten",
            "measure": "activities",
        },
        {"kind": "milestone", "text": "senast mars 2022", "deadline": datetime.date(2022, 3, 31)},
        {"kind": "outcome_share", "text": "25 %", "target_percent": 25, "outcome_work": True},
        {"kind": "share_target", "text": "90 %", "target_percent": 90, "indicators": "1, 3, 5"},
        {"kind": "qualitative", "text": "Tjänstedesign ska vara välkänt hos parterna"},
    ]:
        point(plan, **fields).full_clean()


def test_plan_years(scoped):
    with pytest.raises(ValidationError):
        Plan(association=scoped, year=2024, end_year=2022, title="x").full_clean()
    with pytest.raises(ValidationError):
        Plan(association=scoped, year=2022, end_year=2030, title="x").full_clean()


def test_project_leader_must_have_the_role_here(plan, members, other_association):
    entry = PlanInterventionFactory(association=plan.association, plan=plan)
    kwargs = {
        "entry": entry,
        "acting_user": members["kansli"],
        "expected_version": 1,
        "name": entry.intervention.name,
        "kind": "individ",
        "start_year": 2020,
        "owner_party": None,
        "municipalities": [],
    }
    with pytest.raises(ValidationError) as error:
        services.plan_intervention_save(project_leaders=[members["revisor"]], **kwargs)
    assert "project_leaders" in error.value.error_dict
    services.plan_intervention_save(project_leaders=[members["projektledare"]], **kwargs)
    assert list(entry.intervention.project_leaders.all()) == [members["projektledare"]]


def test_a_new_entry_joins_last_years_intervention_by_name(plan, members):
    old = PlanInterventionFactory(association=plan.association, plan=plan)
    new_plan = services.plan_create(
        association=plan.association,
        acting_user=members["kansli"],
        year=2025,
        end_year=2025,
        title="VP 2025",
    )
    entry = services.plan_intervention_save(
        entry=PlanIntervention(plan=new_plan),
        acting_user=members["kansli"],
        expected_version=None,
        name=old.intervention.name,
        kind="individ",
        start_year=None,
        owner_party=None,
        project_leaders=[],
        municipalities=[],
    )
    assert entry.intervention == old.intervention

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from plans import services
from plans.models import MeasurementPoint, Plan, PlanIntervention, StaffingLine
from tests.factories import (
    CommunicationItemFactory,
    ControlPointFactory,
    GoalAreaFactory,
    GoalFactory,
    MeasurementPointFactory,
    MemberPartyFactory,
    PlanFactory,
    PlanInterventionFactory,
    SectionFactory,
    StaffingLineFactory,
)


def fill(plan, interventions):
    association = plan.association
    kommun = MemberPartyFactory(association=association)
    SectionFactory(association=association, plan=plan, heading="Inledning", body="Text 2022")
    ControlPointFactory(association=association, plan=plan)
    CommunicationItemFactory(association=association, plan=plan)
    area = GoalAreaFactory(association=association, plan=plan, name="Förebygga")
    goal = GoalFactory(association=association, plan=plan, goal_area=area)
    for _ in range(interventions):
        entry = PlanInterventionFactory(association=association, plan=plan)
        entry.municipalities.set([kommun])
        StaffingLineFactory(association=association, plan_intervention=entry, percent=Decimal(25))
        entry_goal = GoalFactory(
            association=association, plan=plan, goal_area=None, plan_intervention=entry
        )
        point = MeasurementPointFactory(association=association, plan=plan, goal=entry_goal)
        point.counted_interventions.set([entry.intervention])
    MeasurementPointFactory(association=association, plan=plan, goal=goal)
    return plan


def test_copy_creates_a_draft_for_next_year_with_everything(plan, members):
    fill(plan, interventions=3)
    plan.status = Plan.Status.APPROVED
    plan.save()

    new = services.plan_copy_to_next_year(plan=plan, acting_user=members["kansli"])

    assert (new.year, new.end_year, new.title) == (2023, 2025, "Verksamhetsplan 2023-2025")
    assert new.status == Plan.Status.DRAFT and new.copied_from == plan
    for name in ["sections", "goal_areas", "goals", "measurement_points", "plan_interventions"]:
        assert getattr(new, name).count() == getattr(plan, name).count(), name
    assert new.control_points.count() == 1 and new.communication_items.count() == 1
    assert StaffingLine.objects.filter(plan_intervention__plan=new).count() == 3
    # Interventions live across years: the same records, new plan entries.
    assert set(new.plan_interventions.values_list("intervention", flat=True)) == set(
        plan.plan_interventions.values_list("intervention", flat=True)
    )
    for entry in PlanIntervention.objects.filter(plan=new):
        assert entry.municipalities.count() == 1
        goal = entry.goals.get()
        assert goal.plan == new
        point = goal.measurement_points.get()
        assert point.plan == new
        assert list(point.counted_interventions.all()) == [entry.intervention]
    # Goals under goal areas point at the copied goal areas.
    assert new.goals.filter(goal_area__plan=new).count() == 1


def test_editing_the_copy_leaves_the_source_alone(plan, members):
    fill(plan, interventions=1)
    new = services.plan_copy_to_next_year(plan=plan, acting_user=members["kansli"])
    section = new.sections.get()
    section.body = "Text 2023"
    services.plan_part_save(instance=section, acting_user=members["kansli"], expected_version=1)
    assert plan.sections.get().body == "Text 2022"


def copy_queries(plan, user):
    with CaptureQueriesContext(connection) as queries:
        services.plan_copy_to_next_year(plan=plan, acting_user=user)
    return len(queries)


def test_copy_takes_the_same_handful_of_queries_for_5_and_50_interventions(
    plan, members, other_association
):
    small = copy_queries(fill(plan, interventions=5), members["kansli"])
    with scope(association=other_association):
        big_plan = PlanFactory(association=other_association, year=2022)
        large = copy_queries(fill(big_plan, interventions=50), members["kansli"])
        assert MeasurementPoint.objects.filter(plan__year=2023).count() == 51
    # SQLite splits a bulk insert into batches of 999 variables, so 50 interventions may
    # cost a batch or two more than 5; never a query per row.
    assert small <= large <= small + 4, (small, large)
    # Each kind of part costs its insert plus the insert of its history rows, and the
    # guarded inserts and the look for a budget to bring along a few more.
    assert large <= 60


def test_no_second_plan_for_the_same_year(plan, members):
    services.plan_copy_to_next_year(plan=plan, acting_user=members["kansli"])
    with pytest.raises(ValidationError):
        services.plan_copy_to_next_year(plan=plan, acting_user=members["kansli"])


def test_milestones_move_a_year_with_the_copy(plan, members):
    import datetime

    association = plan.association  # 2022-2024
    for day in (datetime.date(2022, 6, 30), datetime.date(2024, 2, 29)):
        MeasurementPointFactory(
            association=association,
            plan=plan,
            kind=MeasurementPoint.Kind.MILESTONE,
            text=f"Klart {day}",
            target_count=None,
            deadline=day,
        )
    copy = services.plan_copy_to_next_year(plan=plan, acting_user=members["kansli"])
    milestones = MeasurementPoint.objects.filter(plan=copy, kind="milestone")
    deadlines = sorted(milestones.values_list("deadline", flat=True))
    assert deadlines == [datetime.date(2023, 6, 30), datetime.date(2025, 2, 28)]
    for point in milestones:
        point.full_clean()  # still within the plan's years: the next edit is not refused


def test_a_new_plan_for_a_year_that_has_one_is_refused(plan, members):
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            association=plan.association,
            acting_user=members["kansli"],
            year=plan.year,
            end_year=plan.end_year,
            title="En plan till",
        )
    assert "year" in error.value.message_dict


def test_a_base_year_after_the_plan_is_refused(plan):
    point = MeasurementPointFactory.build(
        association=plan.association,
        plan=plan,
        goal=None,
        kind=MeasurementPoint.Kind.TREND,
        base_year=plan.end_year + 1,
    )
    with pytest.raises(ValidationError) as error:
        point.clean()
    assert "base_year" in error.value.message_dict


def test_next_year_title_moves_every_year():
    assert services._next_year_title("Budget 2022 och verksamhetsplan 2022-2024") == (
        "Budget 2023 och verksamhetsplan 2023-2025"
    )
    assert services._next_year_title("Verksamhetsplan") == "Verksamhetsplan"


def test_start_next_year_pressed_twice_leads_to_the_plan_the_first_press_made(plan, kansli_client):
    """A double click on "Skapa utkastet" made the plan once and then answered the second
    press on the old plan's page with "Det finns redan en plan för 2023": the user was
    not taken to the draft just made."""
    from django.contrib.messages import get_messages
    from django.urls import reverse

    url = reverse(
        "plans:plan_copy", kwargs={"association_slug": plan.association.slug, "plan_pk": plan.pk}
    )
    first = kansli_client.post(url)
    again = kansli_client.post(url)
    copy = Plan.objects.get(copied_from=plan)
    assert first.status_code == again.status_code == 302
    assert (
        again.url
        == first.url
        == reverse(
            "plans:plan_detail",
            kwargs={"association_slug": plan.association.slug, "plan_pk": copy.pk},
        )
    )
    texts = [str(m) for m in get_messages(again.wsgi_request)]
    assert texts[-1] == f"{copy.title} har redan startats från den här planen."
    assert Plan.objects.filter(year=plan.year + 1).count() == 1

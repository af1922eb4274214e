"""What a plan says about an intervention is the plan's own: a later draft renaming
the intervention leaves an approved plan (or one on review) as it was decided."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django_scopes import scope

from documents.plan_document import document_context, render_document_html
from plans import services
from plans.models import Plan, PlanIntervention
from plans.workflow import record_approval, send_for_review
from tests.factories import (
    InterventionFactory,
    MemberPartyFactory,
    PlanFactory,
    PlanInterventionFactory,
)


def rendered(plan):
    context = document_context(plan=plan, association=plan.association)
    return render_document_html(context=context, for_screen=False)


def save_entry(entry, user, **changes):
    fields = {
        "name": entry.name,
        "kind": entry.kind,
        "start_year": entry.start_year,
        "owner_party": entry.owner_party,
        "project_leaders": list(entry.intervention.project_leaders.all()),
        "municipalities": list(entry.municipalities.all()),
        **changes,
    }
    return services.plan_intervention_save(
        entry=entry, acting_user=user, expected_version=entry.version, **fields
    )


@pytest.fixture
def decided(association, members):
    """The 2022 plan with Stegen Karlstad (led by the projektledare), decided by the board
    or on review, and next year's draft copied from it."""
    with scope(association=association):
        owner = MemberPartyFactory(association=association, name="Karlstads kommun")
        plan = PlanFactory(association=association, year=2022, end_year=2022, title="VP 2022")
        entry = PlanInterventionFactory(
            association=association,
            plan=plan,
            intervention=InterventionFactory(
                association=association, name="Stegen Karlstad", owner_party=owner, start_year=2019
            ),
        )
        save_entry(entry, members["kansli"], project_leaders=[members["projektledare"]])
        draft = services.plan_copy_to_next_year(plan=plan, acting_user=members["kansli"])
        yield plan, entry, draft


@pytest.mark.parametrize("status", [Plan.Status.APPROVED, Plan.Status.REVIEW])
def test_renaming_in_next_years_draft_leaves_a_frozen_plan_unchanged(
    association, members, decided, status, kansli_client
):
    plan, entry, draft = decided
    with scope(association=association):
        send_for_review(
            document=plan, acting_user=members["kansli"], deadline=date.today() + timedelta(days=7)
        )
        if status == Plan.Status.APPROVED:
            record_approval(document=plan, acting_user=members["kansli"], meeting_date=date.today())
        plan.refresh_from_db()
        before = rendered(plan)
        new_owner = MemberPartyFactory(association=association, name="Region Värmland")
        draft_entry = draft.plan_interventions.get()
        save_entry(
            draft_entry,
            members["kansli"],
            name="Stegen Värmland",
            kind="struktur",
            start_year=2023,
            owner_party=new_owner,
            project_leaders=[],
        )
        plan.refresh_from_db()
        assert rendered(plan) == before
        assert "Stegen Karlstad" in before
    page = kansli_client.get(
        reverse(
            "plans:plan_detail", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
        )
    ).content.decode()
    assert "Stegen Karlstad" in page and "Stegen Värmland" not in page
    assert "Karlstads kommun" in page and "Region Värmland" not in page
    with scope(association=association):
        entry.refresh_from_db()
        assert (entry.name, entry.kind, entry.owner_party.name) == (
            "Stegen Karlstad",
            "individ",
            "Karlstads kommun",
        )
        assert entry.project_leader_names == str(members["projektledare"])
        # The identity follows its latest plan; follow-up asks it who reports now.
        intervention = entry.intervention
        intervention.refresh_from_db()
        assert intervention.name == "Stegen Värmland"
        assert list(intervention.project_leaders.all()) == []


def test_a_draft_prints_its_own_words(association, members, decided):
    _, entry, draft = decided
    with scope(association=association):
        draft_entry = draft.plan_interventions.get()
        assert draft_entry.name == "Stegen Karlstad"  # copied with the plan
        assert draft_entry.project_leader_names == str(members["projektledare"])
        save_entry(draft_entry, members["kansli"], name="Stegen Värmland")
        html = rendered(draft)
        assert "Stegen Värmland" in html
        assert "Stegen Karlstad" not in html


def test_editing_an_older_draft_does_not_rename_the_intervention(association, members, decided):
    plan, entry, draft = decided
    with scope(association=association):
        save_entry(draft.plan_interventions.get(), members["kansli"], name="Stegen Värmland")
        # The 2022 plan is still a draft here: its entry may change, the identity
        # keeps the name of its latest (2023) plan.
        save_entry(entry, members["kansli"], name="Stegen Karlstad (pilot)")
        entry.refresh_from_db()
        entry.intervention.refresh_from_db()
        assert entry.name == "Stegen Karlstad (pilot)"
        assert entry.intervention.name == "Stegen Värmland"


def test_a_new_entry_joins_the_intervention_by_its_latest_name(association, members, decided):
    plan, entry, draft = decided
    with scope(association=association):
        save_entry(draft.plan_interventions.get(), members["kansli"], name="Stegen Värmland")
        later = services.plan_create(
            association=association,
            acting_user=members["kansli"],
            year=2024,
            end_year=2024,
            title="VP 2024",
        )
        joined = services.plan_intervention_save(
            entry=PlanIntervention(plan=later),
            acting_user=members["kansli"],
            expected_version=None,
            name="stegen värmland",
            kind="individ",
            start_year=None,
            owner_party=None,
            project_leaders=[],
            municipalities=[],
        )
        assert joined.intervention == entry.intervention
        assert joined.name == "stegen värmland"


def test_a_measurement_point_counts_interventions_by_the_plans_names(association, members, decided):
    from tests.factories import GoalAreaFactory, GoalFactory, MeasurementPointFactory

    plan, entry, draft = decided
    with scope(association=association):
        goal = GoalFactory(
            association=association,
            plan=plan,
            goal_area=GoalAreaFactory(association=association, plan=plan),
        )
        point = MeasurementPointFactory(association=association, plan=plan, goal=goal)
        point.counted_interventions.add(entry.intervention)
        before = rendered(plan)
        assert "Stegen Karlstad" in before
        save_entry(draft.plan_interventions.get(), members["kansli"], name="Stegen Värmland")
        assert rendered(plan) == before

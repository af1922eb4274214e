"""An approved plan (or one on review) and its budget cannot change through any path."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from budgets.copying import copy_budget
from budgets.models import BudgetAmount, BudgetColumn, BudgetGroup, BudgetLine, StatedFigure
from plans import services
from plans.freezing import FrozenPlanError
from plans.models import (
    CommunicationItem,
    ControlPoint,
    Goal,
    GoalArea,
    MeasurementPoint,
    Plan,
    PlanIntervention,
    Section,
    StaffingLine,
)
from tests.access_matrix import PLAN_PART_FACTORIES
from tests.factories import MemberPartyFactory, PlanFactory, SectionFactory
from tests.plans.helpers import add_budget

PART_MODELS = [
    Section,
    GoalArea,
    Goal,
    MeasurementPoint,
    PlanIntervention,
    StaffingLine,
    ControlPoint,
    CommunicationItem,
]
BUDGET_MODELS = [BudgetColumn, BudgetGroup, BudgetLine, BudgetAmount, StatedFigure]


def build(association, status):
    """A plan with one of every part and a budget, then given ``status``."""
    with scope(association=association):
        plan = PlanFactory(association=association, year=2022, end_year=2022)
        parts = {
            name: factory(association=association, plan=plan)
            if name != "staffing"
            else factory(association=association, plan_intervention__plan=plan)
            for name, factory in PLAN_PART_FACTORIES.items()
        }
        parts["interventions"].municipalities.add(MemberPartyFactory(association=association))
        budget = add_budget(plan)
        plan.status = status
        plan.save()
    return plan, parts, budget


def snapshot(plan):
    """Every stored field of the plan, its parts and its budget."""
    with scopes_disabled():
        rows = {"plan": model_to_dict(Plan.objects.get(pk=plan.pk))}
        for model in PART_MODELS + BUDGET_MODELS:
            lookup = {
                StaffingLine: "plan_intervention__plan",
                BudgetColumn: "budget__plan",
                BudgetGroup: "budget__plan",
                BudgetLine: "group__budget__plan",
                BudgetAmount: "line__group__budget__plan",
                StatedFigure: "budget__plan",
            }.get(model, "plan")
            rows[model.__name__] = sorted(
                (model_to_dict(o) for o in model.objects.filter(**{lookup: plan})),
                key=lambda d: d["id"],
            )
        for name in ("municipalities",):
            rows[name] = sorted(
                PlanIntervention.municipalities.through.objects.filter(
                    planintervention__plan=plan
                ).values_list("pk", flat=True)
            )
    return rows


@pytest.fixture(params=[Plan.Status.APPROVED, Plan.Status.REVIEW])
def frozen(request, association):
    return build(association, request.param)


def url(plan, name, **kwargs):
    return reverse(
        f"plans:{name}",
        kwargs={"association_slug": plan.association.slug, "plan_pk": plan.pk, **kwargs},
    )


def test_every_plan_form_and_action_is_refused(kansli_client, frozen):
    plan, parts, _budget = frozen
    before = snapshot(plan)
    posts = [(url(plan, "plan_update"), {"title": "Ändrad", "year": 2022, "end_year": 2022})]
    for name, part in parts.items():
        data = {"heading": "x", "text": "x", "body": "x", "name": "x", "role": "x"}
        posts += [
            (url(plan, f"{name}_create"), data),
            (url(plan, f"{name}_update", pk=part.pk), data),
            (url(plan, f"{name}_delete", pk=part.pk), {}),
            (url(plan, f"{name}_move", pk=part.pk), {"direction": "up"}),
        ]
    for target, data in posts:
        response = kansli_client.post(target, data)
        assert response.status_code == 302, target
    assert snapshot(plan) == before


def test_every_service_refuses(frozen, members):
    plan, parts, _budget = frozen
    before = snapshot(plan)
    kansli = members["kansli"]
    with scope(association=plan.association):
        for part in parts.values():
            part = type(part).objects.get(pk=part.pk)
            with pytest.raises(ValidationError):
                services.plan_part_save(instance=part, acting_user=kansli, expected_version=1)
            with pytest.raises(ValidationError):
                services.plan_part_delete(instance=part, acting_user=kansli)
            with pytest.raises(ValidationError):
                services.plan_part_move(instance=part, acting_user=kansli, offset=1)
        with pytest.raises(ValidationError):
            services.plan_update(plan=plan, acting_user=kansli, expected_version=plan.version)
    assert snapshot(plan) == before


def test_model_level_guard_refuses_any_other_path(frozen):
    """What Django admin, a shell or an import would do: save and delete through the ORM.

    (A refused delete spoils the surrounding transaction, hence a savepoint each.)
    """
    plan, parts, budget = frozen
    before = snapshot(plan)
    with scopes_disabled():
        for part in parts.values():
            part = type(part).objects.get(pk=part.pk)
            part.order = 99
            with pytest.raises(FrozenPlanError), transaction.atomic():
                part.save()
            with pytest.raises(FrozenPlanError), transaction.atomic():
                part.delete()
        entry = PlanIntervention.objects.get(pk=parts["interventions"].pk)
        with pytest.raises(FrozenPlanError), transaction.atomic():
            entry.municipalities.add(MemberPartyFactory(association=plan.association))
        with pytest.raises(FrozenPlanError), transaction.atomic():
            Section(association=plan.association, plan=plan, heading="Ny").save()
        for model in BUDGET_MODELS:
            row = model.objects.filter(
                **{
                    BudgetColumn: {"budget": budget},
                    BudgetGroup: {"budget": budget},
                    BudgetLine: {"group__budget": budget},
                    BudgetAmount: {"line__group__budget": budget},
                    StatedFigure: {"budget": budget},
                }[model]
            ).first()
            if row is None:
                continue
            with pytest.raises(FrozenPlanError), transaction.atomic():
                row.save()
            with pytest.raises(FrozenPlanError), transaction.atomic():
                row.delete()
        amount = BudgetAmount.objects.filter(line__group__budget=budget).first()
        with pytest.raises(FrozenPlanError), transaction.atomic():
            BudgetAmount(
                association=plan.association, line=amount.line, column=amount.column, amount=1
            ).save()
        stored = Plan.objects.get(pk=plan.pk)
        stored.title = "Ändrad titel"
        with pytest.raises(FrozenPlanError), transaction.atomic():
            stored.save()
        with pytest.raises(FrozenPlanError), transaction.atomic():
            stored.delete()
    assert snapshot(plan) == before


def test_approval_fields_of_an_approved_plan_are_frozen(association):
    plan, _parts, _budget = build(association, Plan.Status.APPROVED)
    with scopes_disabled():
        for field, value in [
            ("approved_on", "2020-01-01"),
            ("approval_paragraph", "§1"),
            ("status", Plan.Status.DRAFT),
        ]:
            stored = Plan.objects.get(pk=plan.pk)
            setattr(stored, field, value)
            with pytest.raises(FrozenPlanError), transaction.atomic():
                stored.save()


def test_copy_never_writes_into_an_existing_plan(association, members):
    """Copying into next year's plan as a target: an existing (approved) one is left alone."""
    source, _parts, _budget = build(association, Plan.Status.APPROVED)
    with scope(association=association):
        target = PlanFactory(association=association, year=2023, end_year=2023)
        target.status = Plan.Status.APPROVED
        target.save()
        before = snapshot(target)
        with pytest.raises(ValidationError):
            services.plan_copy_to_next_year(plan=source, acting_user=members["kansli"])
        with pytest.raises(ValidationError):
            services.copy_plan_parts(source=source, target=target, acting_user=members["kansli"])
        with pytest.raises(ValidationError):
            copy_budget(source_plan=source, target_plan=target, acting_user=members["kansli"])
    assert snapshot(target) == before


def test_a_draft_is_not_frozen(association, members):
    plan, parts, budget = build(association, Plan.Status.DRAFT)
    with scope(association=association):
        section = Section.objects.get(pk=parts["sections"].pk)
        section.body = "Ny text"
        section.save()
        amount = BudgetAmount.objects.filter(line__group__budget=budget).first()
        amount.amount = Decimal(1234)
        amount.save()
        plan.title = "Ny titel"
        plan.save()
        section.delete()


def test_removing_a_whole_forbund_removes_its_approved_plans(association):
    with scope(association=association):
        plan = PlanFactory(association=association)
        SectionFactory(association=association, plan=plan)
        add_budget(plan)
        plan.status = Plan.Status.APPROVED
        plan.save()
    with scopes_disabled():
        with pytest.raises(FrozenPlanError), transaction.atomic():
            Plan.objects.get(pk=plan.pk).delete()
        association.delete()
        assert not Plan.objects.filter(pk=plan.pk).exists()
        assert not BudgetAmount.objects.exists()


def rows_of(model, plan):
    lookup = {
        StaffingLine: "plan_intervention__plan",
        BudgetColumn: "budget__plan",
        BudgetGroup: "budget__plan",
        BudgetLine: "group__budget__plan",
        BudgetAmount: "line__group__budget__plan",
        StatedFigure: "budget__plan",
    }.get(model, "plan")
    return model.objects.filter(**{lookup: plan})


def test_queryset_update_and_bulk_writes_are_refused(frozen):
    """``update()``, ``bulk_update`` and ``bulk_create`` send no signals."""
    plan, _parts, _budget = frozen
    before = snapshot(plan)
    with scope(association=plan.association):
        for model in PART_MODELS + BUDGET_MODELS:
            rows = rows_of(model, plan)
            if not rows.exists():
                continue
            with pytest.raises(FrozenPlanError), transaction.atomic():
                rows.update(order=77) if hasattr(model, "order") else rows.update(
                    association=plan.association
                )
            with pytest.raises(FrozenPlanError), transaction.atomic():
                model._default_manager.bulk_update(list(rows), ["association"])
        with pytest.raises(FrozenPlanError), transaction.atomic():
            Section.objects.bulk_create([Section(association=plan.association, plan=plan)])
        with pytest.raises(FrozenPlanError), transaction.atomic():
            Plan.objects.filter(pk=plan.pk).update(title="Ändrad")
        Through = PlanIntervention.municipalities.through
        links = Through.objects.filter(planintervention__plan=plan)
        other = MemberPartyFactory(association=plan.association, kind="kommun")
        with pytest.raises(FrozenPlanError), transaction.atomic():
            links.update(memberparty=other)
        with pytest.raises(FrozenPlanError), transaction.atomic():
            links.delete()
        entry = PlanIntervention.objects.filter(plan=plan).first()
        with pytest.raises(FrozenPlanError), transaction.atomic():
            Through.objects.bulk_create([Through(planintervention=entry, memberparty=other)])
    assert snapshot(plan) == before


def test_a_drafts_row_cannot_be_moved_into_a_frozen_plan(frozen):
    plan, _parts, _budget = frozen
    with scope(association=plan.association):
        draft = PlanFactory(association=plan.association, year=2030, end_year=2030)
        section = SectionFactory(association=plan.association, plan=draft)
        with pytest.raises(FrozenPlanError), transaction.atomic():
            Section.objects.filter(pk=section.pk).update(plan=plan)
        section.refresh_from_db()
        assert section.plan_id == draft.pk
        Section.objects.filter(pk=section.pk).update(heading="Ny rubrik")  # a draft's own


@pytest.mark.parametrize("status", [Plan.Status.APPROVED, Plan.Status.REVIEW])
def test_a_party_named_by_a_frozen_plan_cannot_be_removed_or_renamed(
    kansli_client, association, status
):
    """Deleting it once removed its kommun links silently (a cascade sends no m2m signal)."""
    plan, parts, _budget = build(association, Plan.Status.DRAFT)
    with scope(association=association):
        party = MemberPartyFactory(association=association, kind="kommun", name="Sala")
        PlanIntervention.objects.get(pk=parts["interventions"].pk).municipalities.add(party)
        plan.status = status
        plan.save()
    before = snapshot(plan)
    slug = plan.association.slug
    response = kansli_client.post(
        reverse("associations:party_delete", kwargs={"association_slug": slug, "pk": party.pk}),
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("Sala är med i" in m and "Avsluta medlemskapet med ett år" in m for m in messages), (
        messages
    )
    response = kansli_client.post(
        reverse("associations:party_update", kwargs={"association_slug": slug, "pk": party.pk}),
        {"kind": "kommun", "name": "Sala kommun", "population": 22000, "order": 1},
    )
    assert response.status_code == 200
    assert "under sitt nya namn" in response.content.decode()
    with scopes_disabled():
        from associations.models import MemberParty

        with pytest.raises(FrozenPlanError), transaction.atomic():
            MemberParty.objects.filter(pk=party.pk).update(name="Sala kommun")
        with pytest.raises(FrozenPlanError), transaction.atomic():
            MemberParty.objects.get(pk=party.pk).delete()
        party.refresh_from_db()
        assert party.name == "Sala"
        # What the plan does not print may change: the population, the membership's end.
        party.population = 23000
        party.member_until = 2024
        party.save()
    assert snapshot(plan) == before


def test_an_ended_membership_is_not_offered_in_later_plans(association):
    from plans.forms import PlanInterventionForm

    with scope(association=association):
        ended = MemberPartyFactory(association=association, kind="kommun", member_until=2022)
        stays = MemberPartyFactory(association=association, kind="kommun")
        for year, offered in [(2022, {ended, stays}), (2023, {stays})]:
            plan = PlanFactory(association=association, year=year, end_year=year)
            form = PlanInterventionForm(plan=plan, association=association)
            assert set(form.fields["municipalities"].queryset) == offered

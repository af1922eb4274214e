"""The audit trail: who changed what in a plan and its budget, and when."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope

from budgets.history import budget_history
from budgets.models import BudgetAmount
from plans import history, services, workflow
from plans.models import Plan, Section
from tests.factories import SectionFactory
from tests.plans.helpers import add_budget


def test_plan_history_records_who_changed_what(plan, members):
    kansli = members["kansli"]
    section = Section(association=plan.association, plan=plan, heading="Inledning", body="Gammal")
    services.plan_part_save(instance=section, acting_user=kansli)
    section.body = "Ny text"
    services.plan_part_save(instance=section, acting_user=kansli, expected_version=1)
    workflow.send_for_review(
        document=plan,
        acting_user=kansli,
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    with translation.override("en"):
        entries = history.plan_history(plan=plan)
    changed_section = next(e for e in entries if e.label == "Inledning" and e.kind == "~")
    assert changed_section.user == kansli
    (change,) = changed_section.changes
    assert "<del>Gammal</del><ins>Ny text</ins>" in change.diff
    status = next(e for e in entries if e.what == "plan" and e.kind == "~")
    assert status.user == kansli
    with translation.override("en"):
        assert ("status", "Draft", "On review") in [
            (str(c.label), str(c.old), str(c.new)) for c in status.changes
        ]
    assert entries == sorted(entries, key=lambda e: e.when, reverse=True)


def test_history_is_kept_for_an_approved_plan_and_lists_removed_parts(plan, members):
    kansli = members["kansli"]
    section = SectionFactory(association=plan.association, plan=plan, heading="Tas bort")
    services.plan_part_delete(instance=section, acting_user=kansli)
    plan.status = Plan.Status.APPROVED
    plan.save()
    entries = history.plan_history(plan=plan)
    removed = next(e for e in entries if e.label == "Tas bort" and e.kind == "-")
    assert removed.user == kansli


def test_budget_history_lists_amount_changes(plan, members):
    add_budget(plan)
    amount = BudgetAmount.objects.get(line__name="Kansli")
    amount.amount = Decimal(1500)
    amount._history_user = members["kansli"]
    amount.save()
    entries = budget_history(plan=plan)
    change = next(e for e in entries if e.kind == "~")
    assert change.label == f"Kansli, Budget {plan.year}"
    assert [(c.old, c.new) for c in change.changes] == [(Decimal(1000), Decimal(1500))]
    assert change.user == members["kansli"]


def test_history_of_another_plan_is_not_shown(plan, members, association):
    from tests.factories import PlanFactory

    other = PlanFactory(association=association, year=2030, end_year=2030)
    SectionFactory(association=association, plan=other, heading="Annan plan")
    assert not any(e.label == "Annan plan" for e in history.plan_history(plan=plan))


def test_history_pages_read_only(client, members, association):
    with scope(association=association):
        plan = Plan.objects.create(association=association, year=2022, end_year=2022, title="VP")
        section = Section(association=association, plan=plan, heading="Inledning", body="x")
        services.plan_part_save(instance=section, acting_user=members["kansli"])
        add_budget(plan)
    client.force_login(members["projektledare"])
    for name in ["history", "budget_history"]:
        url = reverse(
            f"plans:{name}", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
        )
        response = client.get(url)
        assert response.status_code == 200
        assert client.post(url, {}).status_code == 405
    html = client.get(
        reverse("plans:history", kwargs={"association_slug": association.slug, "plan_pk": plan.pk})
    ).content.decode()
    assert "Inledning" in html and str(members["kansli"]) in html


def test_history_pages_take_the_same_queries_as_changes_grow(client, members, association):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with scope(association=association):
        plan = Plan.objects.create(association=association, year=2022, end_year=2022, title="VP")
        add_budget(plan)
    client.force_login(members["revisor"])
    counts = []
    for n in (2, 20):
        with scope(association=association):
            for i in range(n):
                section = Section(association=association, plan=plan, heading=f"A{i}", body="x")
                services.plan_part_save(instance=section, acting_user=members["kansli"])
        for name in ["history", "budget_history"]:
            url = reverse(
                f"plans:{name}", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
            )
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:], counts


def test_an_approved_plans_history_is_kept_and_names_people_as_they_are_now(client, plan, members):
    """Built once for an approved plan (nothing of it can change), read from the cache
    after that; a person's name is read fresh, and a new decision is a new entry."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    kansli = members["kansli"]
    section = Section(association=plan.association, plan=plan, heading="Inledning", body="x")
    services.plan_part_save(instance=section, acting_user=kansli)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPROVED)
    plan.refresh_from_db()
    url = reverse(
        "plans:history", kwargs={"association_slug": plan.association.slug, "plan_pk": plan.pk}
    )
    client.force_login(members["revisor"])
    with CaptureQueriesContext(connection) as building:
        built = client.get(url)
    assert built.context["entries"] == history.plan_history(plan=plan)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    assert len(first) < len(building)  # read from the cache: no history table queried
    assert not [q for q in first if "historical" in q["sql"].lower()]
    kansli.first_name, kansli.last_name = "Nytt", "Namn"
    kansli.save()
    with CaptureQueriesContext(connection) as again:
        page = client.get(url)
    assert len(again) == len(first)
    assert "Nytt Namn" in page.content.decode()
    assert page.context["entries"] == history.plan_history(plan=plan)  # same as built
    # Budget history too, and an entry kept in one language is not shown in another.
    budget_url = url.replace("/history/", "/budget-history/")
    assert client.get(budget_url).status_code == 200
    with translation.override("en"):
        english = history.kept_history(plan=plan, kind="plan-history", build=history.plan_history)
    assert {e.what for e in english} == {"plan", "section"}

"""An approved plan's body (its chapters and contents entries) is rendered once and kept
in the shared cache; no kept body outlives a change of what it shows."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from associations.models import MemberParty
from budgets.models import FinancialRule
from documents import plan_document
from plans import workflow
from plans.models import Plan
from tests.factories import (
    FinancialRuleFactory,
    MemberPartyFactory,
    PlanInterventionFactory,
    SectionFactory,
)
from tests.plans.helpers import add_budget

POISON = "<p>KEPT-BODY</p>"


def approve(plan, kansli):
    workflow.send_for_review(
        document=plan,
        acting_user=kansli,
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    return workflow.record_approval(
        document=plan, acting_user=kansli, meeting_date=datetime.date(2021, 12, 1)
    )


def document_html(plan) -> str:
    plan = Plan.objects.get(pk=plan.pk)
    context = plan_document.document_context(plan=plan, association=plan.association)
    return plan_document.render_document_html(context=context, for_screen=False)


def poison(plan) -> str:
    """Replace the kept body of ``plan`` with a marker, and return its key."""
    plan = Plan.objects.get(pk=plan.pk)
    budget = plan_document.Budget.objects.filter(plan=plan).first()
    key = plan_document.body_cache_key(plan=plan, budget=budget)
    assert cache.get(key) is not None, "the approved plan's body was not kept"
    cache.set(key, (POISON, POISON))
    return key


@pytest.fixture
def filled_plan(plan):
    SectionFactory(association=plan.association, plan=plan, heading="Inledning", body="Text")
    party = MemberPartyFactory(association=plan.association, name="Karlstads kommun")
    PlanInterventionFactory(association=plan.association, plan=plan, owner_party=party)
    FinancialRuleFactory(association=plan.association)
    add_budget(plan)
    return plan


def test_an_approved_plans_body_is_rendered_once_and_then_read(filled_plan, members):
    approve(filled_plan, members["kansli"])
    first = document_html(filled_plan)
    assert "Inledning" in first
    with CaptureQueriesContext(connection) as cold:
        cache.clear()
        document_html(filled_plan)
    with CaptureQueriesContext(connection) as warm:
        kept = document_html(filled_plan)
    assert kept == first
    assert len(warm.captured_queries) < len(cold.captured_queries) - 10
    poison(filled_plan)
    assert POISON in document_html(filled_plan)


def test_a_draft_or_a_plan_on_review_is_rendered_each_time(filled_plan, members):
    document_html(filled_plan)
    section = filled_plan.sections.get()
    section.body = "Ny text"
    section.save()
    assert "Ny text" in document_html(filled_plan)
    workflow.send_for_review(
        document=filled_plan,
        acting_user=members["kansli"],
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    html = document_html(filled_plan)
    assert "Ny text" in html
    plan = Plan.objects.get(pk=filled_plan.pk)
    assert plan_document.body_cache_key(plan=plan, budget=plan.budget) is None


def test_a_revision_becoming_current_is_a_new_body(filled_plan, members):
    kansli = members["kansli"]
    approve(filled_plan, kansli)
    document_html(filled_plan)
    poison(filled_plan)
    revision = workflow.start_revision(
        document=Plan.objects.get(pk=filled_plan.pk), acting_user=kansli
    )
    approve(revision, kansli)
    assert Plan.objects.get(pk=filled_plan.pk).superseded_by_id == revision.pk
    html = document_html(filled_plan)
    assert POISON not in html
    assert "Inledning" in html


@pytest.mark.parametrize(
    "change",
    [
        lambda plan: MemberParty.objects.filter(association=plan.association).update(
            population=12345
        ),
        lambda plan: FinancialRule.objects.filter(association=plan.association).update(value=25),
        lambda plan: (
            plan.plan_interventions.get()
            .intervention.__class__.objects.filter(association=plan.association)
            .update(name="Ett nytt namn")
        ),
    ],
    ids=["member party", "financial rule", "intervention"],
)
def test_a_changed_row_the_body_shows_but_does_not_freeze_is_a_new_body(
    filled_plan, members, change
):
    approve(filled_plan, members["kansli"])
    document_html(filled_plan)
    poison(filled_plan)
    change(filled_plan)
    assert POISON not in document_html(filled_plan)


def test_the_document_page_serves_the_kept_body(client, filled_plan, members):
    approve(filled_plan, members["kansli"])
    client.force_login(members["styrelse"])
    url = reverse(
        "documents:plan_document",
        kwargs={"association_slug": filled_plan.association.slug, "plan_pk": filled_plan.pk},
    )
    assert "Inledning" in client.get(url).content.decode()
    poison(filled_plan)
    assert POISON in client.get(url).content.decode()


def plan_page_key(plan):
    from plans.comments import comment_threads
    from plans.selectors import plan_page_body_key

    plan = Plan.objects.get(pk=plan.pk)
    return plan_page_body_key(plan=plan, threads=comment_threads(plan=plan))


def test_an_approved_plans_page_body_is_kept_and_the_same_for_every_role(
    client, filled_plan, members
):
    url = reverse(
        "plans:plan_detail",
        kwargs={"association_slug": filled_plan.association.slug, "plan_pk": filled_plan.pk},
    )
    client.force_login(members["kansli"])
    assert plan_page_key(filled_plan) is None
    draft_page = client.get(url).content.decode()
    assert "Inledning" in draft_page
    approve(filled_plan, members["kansli"])
    key = plan_page_key(filled_plan)
    assert key is not None
    assert "Inledning" in client.get(url).content.decode()
    toc, body = cache.get(key)
    assert "Inledning" in body
    cache.set(key, (toc, POISON))
    for role in ("kansli", "styrelse", "projektledare", "revisor"):
        client.force_login(members[role])
        assert POISON in client.get(url).content.decode()


def test_a_comment_thread_on_an_approved_plan_is_a_new_page_body(filled_plan, members):
    from plans.models import Comment

    approve(filled_plan, members["kansli"])
    before = plan_page_key(filled_plan)
    Comment.objects.create(
        association=filled_plan.association,
        plan=filled_plan,
        author=members["styrelse"],
        section=filled_plan.sections.get(),
        body="Bra",
    )
    assert plan_page_key(filled_plan) != before


def test_an_unreachable_cache_renders_the_page_instead(client, filled_plan, members, settings):
    approve(filled_plan, members["kansli"])
    nobody = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = {**settings.CACHES, "default": {**redis_cache(nobody)}}
    client.force_login(members["styrelse"])
    for name in ("plans:plan_detail", "documents:plan_document"):
        url = reverse(
            name,
            kwargs={"association_slug": filled_plan.association.slug, "plan_pk": filled_plan.pk},
        )
        response = client.get(url)
        assert response.status_code == 200
        assert "Inledning" in response.content.decode()


def redis_cache(location):
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }

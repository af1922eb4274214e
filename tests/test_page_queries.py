"""The busiest pages take a fixed number of queries, pinned here, the same for a förbund
with one plan year as with ten (issue "Speed at national scale")."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from associations.models import Association, User
from plans.models import Plan
from plans.services import plan_copy_to_next_year

SLUG = "samspelet"
# Page → (the plan it shows: "approved" or "draft", queries). A changed count is a
# deliberate change: measure it on both databases and write it here. (The kansli's
# draft, copied from the year before, finds the texts that still name that year in
# the parts it has read: no query more.)
PAGES = {
    "plans:plan_list": (None, 8),
    "plans:plan_detail": ("approved", 12),
    "documents:plan_document": ("approved", 16),
    "plans:plan_detail ": ("draft", 22),
    "plans:history": ("approved", 8),  # kept: the page, the plan and the people
    "plans:budget_history": ("approved", 8),
    "budgets:budget_amounts": ("draft", 17),
    "associations:identity_provider": (None, 7),  # single sign-on settings
    "followup:dashboard": (None, 18),  # the approved year's outcome per intervention kept
}


def later_years(association, count):
    """``count`` more drafts, each started from the plan of the year before."""
    kansli = User.objects.get(username=f"{SLUG}-kansli")
    with scope(association=association):
        plan = Plan.objects.filter(association=association).order_by("-year").first()
        for _ in range(count):
            plan = plan_copy_to_next_year(plan=plan, acting_user=kansli)


def url_of(name, association, which):
    kwargs = {"association_slug": association.slug}
    if which:
        with scope(association=association):
            plans = Plan.objects.filter(association=association).order_by("year")
            if which == "approved":
                plan = plans.filter(status=Plan.Status.APPROVED).first()
            else:
                plan = plans.exclude(status=Plan.Status.APPROVED).first()
        kwargs["plan_pk"] = plan.pk
    return reverse(name.strip(), kwargs=kwargs)


def queries(client, url) -> int:
    client.get(url)  # a kept body is made on the first request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_each_page_takes_its_pinned_queries_for_one_plan_year_and_for_ten(client, demo_data):
    """Every page of ``PAGES`` at one plan year and at ten (the years are built once)."""
    with scopes_disabled():
        association = Association.objects.get(slug=SLUG)
        client.force_login(User.objects.get(username=f"{SLUG}-kansli"))
        later_years(association, 1)  # the draft for the year after the approved plan
        urls = {name: url_of(name, association, which) for name, (which, _) in PAGES.items()}
        one = {name: queries(client, url) for name, url in urls.items()}
        later_years(association, 9)
        ten = {name: queries(client, url) for name, url in urls.items()}
    wrong = [
        f"{name}: {one[name]} queries with 1 year, {ten[name]} with 10, pinned {pinned}"
        for name, (_which, pinned) in PAGES.items()
        if (one[name], ten[name]) != (pinned, pinned)
    ]
    assert not wrong, "\n".join(wrong)

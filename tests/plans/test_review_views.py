"""The review pages through the client: send, decide (kansli or chair), revise, home page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from plans.models import Plan
from tests.factories import PlanFactory
from tests.plans.helpers import board_member

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def draft(association):
    with scope(association=association):
        return PlanFactory(association=association, year=2022, end_year=2022, title="VP 2022")


def url(plan, name, **kwargs):
    return reverse(
        f"plans:{name}",
        kwargs={"association_slug": plan.association.slug, "plan_pk": plan.pk, **kwargs},
    )


def stored(plan):
    with scope(association=plan.association):
        return Plan.objects.get(pk=plan.pk)


def send(client, plan):
    return client.post(
        url(plan, "review_send"), {"deadline": TOMORROW.isoformat(), "message": "Läs budgeten"}
    )


def test_kansli_sends_then_records_approval_with_paragraph_and_dnr(kansli_client, draft):
    assert send(kansli_client, draft).status_code == 302
    assert stored(draft).status == Plan.Status.REVIEW
    response = kansli_client.post(
        url(draft, "decision"),
        {"outcome": "approved", "meeting_date": "2021-12-01", "paragraph": "§39", "dnr": "21/7"},
    )
    assert response.status_code == 302
    plan = stored(draft)
    assert plan.status == Plan.Status.APPROVED
    assert plan.approval_line().endswith("2021-12-01 §39, dnr 21/7")
    detail = kansli_client.get(url(draft, "plan_detail")).content.decode()
    assert plan.approval_line() in detail
    listing = kansli_client.get(
        reverse("plans:plan_list", kwargs={"association_slug": draft.association.slug})
    ).content.decode()
    assert plan.approval_line() in listing


def test_decision_form_errors_are_shown_and_nothing_changes(kansli_client, draft):
    send(kansli_client, draft)
    response = kansli_client.post(url(draft, "decision"), {"outcome": "approved"})
    assert response.status_code == 200 and response.context["form"].errors
    response = kansli_client.post(url(draft, "decision"), {"outcome": "sent_back", "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert stored(draft).status == Plan.Status.REVIEW


def test_sent_back_with_reason(kansli_client, draft):
    send(kansli_client, draft)
    kansli_client.post(url(draft, "decision"), {"outcome": "sent_back", "reason": "Mer om BIP"})
    plan = stored(draft)
    assert plan.status == Plan.Status.SENT_BACK and plan.sent_back_reason == "Mer om BIP"
    assert "Mer om BIP" in kansli_client.get(url(draft, "plan_detail")).content.decode()


def test_decision_page_of_a_draft_sends_back_to_the_plan(kansli_client, draft):
    response = kansli_client.get(url(draft, "decision"))
    assert response.status_code == 302 and response["Location"] == url(draft, "plan_detail")


def test_the_chair_records_the_decision_when_the_forbund_allows_it(client, draft, members):
    with scope(association=draft.association):
        chair = board_member(draft.association, chair=True)
    client.force_login(members["kansli"])
    send(client, draft)
    client.force_login(chair)
    assert client.get(url(draft, "decision")).status_code == 403
    draft.association.chair_records_decision = True
    draft.association.save()
    assert client.get(url(draft, "decision")).status_code == 200
    client.post(url(draft, "decision"), {"outcome": "approved", "meeting_date": "2021-11-23"})
    assert stored(draft).status == Plan.Status.APPROVED
    client.force_login(members["styrelse"])  # a board member, not the chair
    assert client.get(url(draft, "decision")).status_code == 403


def test_withdraw_and_revision(kansli_client, draft):
    send(kansli_client, draft)
    kansli_client.post(url(draft, "review_withdraw"))
    assert stored(draft).status == Plan.Status.DRAFT
    send(kansli_client, draft)
    kansli_client.post(
        url(draft, "decision"), {"outcome": "approved", "meeting_date": "2021-11-23"}
    )
    response = kansli_client.post(url(draft, "revision_start"))
    with scope(association=draft.association):
        revision = Plan.objects.get(revision_of=draft)
    assert response["Location"] == url(revision, "plan_detail")
    assert revision.status == Plan.Status.DRAFT
    assert kansli_client.get(url(revision, "changes")).status_code == 200


def test_board_members_see_plans_awaiting_review_on_the_home_page(client, draft, members):
    client.force_login(members["kansli"])
    send(client, draft)
    home = reverse("associations:home", kwargs={"association_slug": draft.association.slug})
    client.force_login(members["styrelse"])
    html = client.get(home).content.decode()
    assert "VP 2022" in html and TOMORROW.isoformat() in html
    client.force_login(members["revisor"])
    assert TOMORROW.isoformat() not in client.get(home).content.decode()


def test_kansli_ties_the_chair_seat_and_allows_the_chair_to_decide(client, draft, members):
    from associations.models import BoardSeat
    from tests.factories import BoardSeatFactory

    association = draft.association
    with scope(association=association):
        seat = BoardSeatFactory(association=association, office=BoardSeat.Office.CHAIR)
    client.force_login(members["kansli"])
    board_url = reverse(
        "associations:board_update", kwargs={"association_slug": association.slug, "pk": seat.pk}
    )
    form = client.get(board_url).context["form"]
    assert list(form.fields["user"].queryset) == [members["styrelse"]]  # board members only
    data = {
        "name": seat.name,
        "party": seat.party_id,
        "seat": seat.seat,
        "office": seat.office,
        "user": members["revisor"].pk,
    }
    assert client.post(board_url, data).status_code == 200  # not a board member: refused
    data["user"] = members["styrelse"].pk
    assert client.post(board_url, data).status_code == 302
    details = reverse("associations:details_update", kwargs={"association_slug": association.slug})
    response = client.post(
        details,
        {
            "name": association.name,
            "chair_records_decision": "on",
            "audit_retention_months": "24",
            "quarter_deadline_days": "15",
            "reminder_days_before": "5",
            "next_plan_month": "9",
            "next_plan_day": "1",
        },
    )
    assert response.status_code == 302
    association.refresh_from_db()
    assert association.chair_records_decision
    send(client, draft)
    client.force_login(members["styrelse"])
    client.post(url(draft, "decision"), {"outcome": "approved", "meeting_date": "2021-11-23"})
    assert stored(draft).status == Plan.Status.APPROVED


def test_approving_with_unhandled_comments_asks_for_a_confirmation_that_counts_them(
    kansli_client, draft, members
):
    from plans.comments import comment_create, comment_mark_handled

    assert send(kansli_client, draft).status_code == 302
    with scope(association=draft.association):
        board = members["styrelse"]
        comment_create(plan=draft, acting_user=board, body="Varför ökar kansliets kostnad?")
        comment_create(plan=draft, acting_user=board, body="Lägg till ett mål om unga.")
        handled = comment_create(plan=draft, acting_user=board, body="Stavfel på sidan 3.")
        comment_mark_handled(comment=handled, acting_user=members["kansli"])
    page = kansli_client.get(url(draft, "decision")).content.decode()
    assert 'name="confirm_unhandled"' in page
    assert "2 kommentarer från styrelsen är inte hanterade" in page
    decision = {"outcome": "approved", "meeting_date": "2021-12-01", "paragraph": "§39"}
    refused = kansli_client.post(url(draft, "decision"), decision)
    assert refused.status_code == 200
    assert "Kryssa i rutan för att fastställa planen ändå." in refused.content.decode()
    assert stored(draft).status == Plan.Status.REVIEW
    confirmed = kansli_client.post(url(draft, "decision"), {**decision, "confirm_unhandled": "on"})
    assert confirmed.status_code == 302
    assert stored(draft).status == Plan.Status.APPROVED


def test_sending_back_needs_no_confirmation_and_a_plan_without_comments_shows_none(
    kansli_client, draft
):
    assert send(kansli_client, draft).status_code == 302
    assert (
        'name="confirm_unhandled"' not in kansli_client.get(url(draft, "decision")).content.decode()
    )

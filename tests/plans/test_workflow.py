"""The review state machine: every legal transition, and every illegal one refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from budgets.models import BudgetAmount
from plans import workflow
from plans.models import Plan
from tests.factories import SectionFactory
from tests.plans.helpers import add_budget, board_member

Status = Plan.Status
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
MEETING = datetime.date(2021, 12, 1)


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched on their English msgids (the Swedish catalogue is merged later)."""
    with translation.override("en"):
        yield


def send(plan, user):
    return workflow.send_for_review(
        document=plan, acting_user=user, deadline=TOMORROW, message="Synpunkter senast fredag"
    )


def approve(plan, user, **kwargs):
    return workflow.record_approval(
        document=plan, acting_user=user, meeting_date=MEETING, paragraph="39", **kwargs
    )


def on_review(plan, members):
    return send(plan, members["kansli"])


def test_kansli_sends_a_draft_for_review(plan, members):
    plan = send(plan, members["kansli"])
    assert plan.status == Status.REVIEW
    assert plan.review_deadline == TOMORROW
    assert plan.review_message == "Synpunkter senast fredag"
    assert plan.version == 2


@pytest.mark.parametrize("role", ["styrelse", "projektledare", "revisor"])
def test_only_kansli_sends_for_review(plan, members, role):
    with pytest.raises(ValidationError, match="role does not allow"):
        send(plan, members[role])
    plan.refresh_from_db()
    assert plan.status == Status.DRAFT


def test_deadline_is_required_and_not_in_the_past(plan, members):
    with pytest.raises(ValidationError) as error:
        workflow.send_for_review(document=plan, acting_user=members["kansli"], deadline=None)
    assert "deadline" in error.value.error_dict
    with pytest.raises(ValidationError):
        workflow.send_for_review(
            document=plan, acting_user=members["kansli"], deadline=datetime.date(2020, 1, 1)
        )


@pytest.mark.parametrize("status", [Status.REVIEW, Status.APPROVED])
def test_cannot_send_a_plan_on_review_or_approved(plan, members, status):
    plan.status = status
    plan.save()
    with pytest.raises(ValidationError, match="cannot send the plan"):
        send(plan, members["kansli"])


def test_a_plan_sent_back_can_be_sent_again(plan, members):
    on_review(plan, members)
    workflow.record_sent_back(document=plan, acting_user=members["kansli"], reason="Mer om BIP")
    plan = send(plan, members["kansli"])
    assert plan.status == Status.REVIEW


def test_kansli_withdraws_the_review(plan, members):
    on_review(plan, members)
    plan = workflow.withdraw_review(document=plan, acting_user=members["kansli"])
    assert plan.status == Status.DRAFT and plan.is_editable


def test_withdraw_refused_for_board_and_for_a_draft(plan, members):
    with pytest.raises(ValidationError, match="draft"):
        workflow.withdraw_review(document=plan, acting_user=members["kansli"])
    on_review(plan, members)
    with pytest.raises(ValidationError, match="role"):
        workflow.withdraw_review(document=plan, acting_user=members["styrelse"])


def test_kansli_records_the_approval_with_paragraph_and_dnr(plan, members):
    on_review(plan, members)
    plan = approve(plan, members["kansli"], dnr="2021/45")
    assert plan.status == Status.APPROVED
    assert (plan.approved_on, plan.approval_paragraph, plan.approval_dnr) == (
        MEETING,
        "39",
        "2021/45",
    )
    assert plan.approval_line() == "Approved by the board 2021-12-01 §39, dnr 2021/45"


def test_the_forbunds_own_approval_line_wins(plan, members):
    on_review(plan, members)
    plan = approve(plan, members["kansli"], text="Antagen av styrelsen 2021-11-23")
    assert plan.approval_line() == "Antagen av styrelsen 2021-11-23"


def test_a_draft_has_no_approval_line(plan):
    assert plan.approval_line() == ""


def test_meeting_date_is_required_and_not_in_the_future(plan, members):
    on_review(plan, members)
    with pytest.raises(ValidationError) as error:
        workflow.record_approval(document=plan, acting_user=members["kansli"], meeting_date=None)
    assert "meeting_date" in error.value.error_dict
    with pytest.raises(ValidationError):
        workflow.record_approval(
            document=plan,
            acting_user=members["kansli"],
            meeting_date=timezone.localdate() + datetime.timedelta(days=3),
        )
    plan.refresh_from_db()
    assert plan.status == Status.REVIEW


def test_a_meeting_long_before_the_plan_year_is_refused(plan, members):
    on_review(plan, members)  # a plan for 2022
    with pytest.raises(ValidationError, match="2021 or later"):
        workflow.record_approval(
            document=plan, acting_user=members["kansli"], meeting_date=datetime.date(1999, 1, 1)
        )
    approve(plan, members["kansli"])  # 2021-12-01, the autumn before: fine
    plan.refresh_from_db()
    assert plan.status == Status.APPROVED


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SENT_BACK, Status.APPROVED])
def test_a_decision_needs_a_plan_on_review(plan, members, status):
    plan.status = status
    plan.save()
    with pytest.raises(ValidationError, match="cannot record"):
        approve(plan, members["kansli"])
    with pytest.raises(ValidationError, match="cannot record"):
        workflow.record_sent_back(document=plan, acting_user=members["kansli"], reason="x")


@pytest.mark.parametrize("role", ["styrelse", "projektledare", "revisor"])
def test_other_roles_cannot_record_the_decision(plan, members, role):
    on_review(plan, members)
    with pytest.raises(ValidationError, match="role"):
        approve(plan, members[role])
    with pytest.raises(ValidationError, match="role"):
        workflow.record_sent_back(document=plan, acting_user=members[role], reason="x")


def test_the_chair_records_the_decision_where_the_forbund_allows_it(plan, members):
    chair = board_member(plan.association, chair=True)
    on_review(plan, members)
    with pytest.raises(ValidationError, match="role"):
        approve(plan, chair)  # the setting is off
    plan.association.chair_records_decision = True
    plan.association.save()
    with pytest.raises(ValidationError, match="role"):
        approve(plan, members["styrelse"])  # a board member who is not the chair
    assert approve(plan, chair).status == Status.APPROVED


def test_the_chair_of_another_forbund_cannot(plan, members, other_association):
    from django_scopes import scopes_disabled

    with scopes_disabled():
        foreign_chair = board_member(other_association, chair=True)
    other_association.chair_records_decision = True
    other_association.save()
    plan.association.chair_records_decision = True
    plan.association.save()
    on_review(plan, members)
    with pytest.raises(ValidationError, match="role"):
        approve(plan, foreign_chair)


def test_sent_back_needs_a_reason_and_unfreezes(plan, members):
    on_review(plan, members)
    with pytest.raises(ValidationError) as error:
        workflow.record_sent_back(document=plan, acting_user=members["kansli"], reason="  ")
    assert "reason" in error.value.error_dict
    plan = workflow.record_sent_back(
        document=plan, acting_user=members["kansli"], reason="Budgeten ska ses över"
    )
    assert plan.status == Status.SENT_BACK and plan.is_editable
    assert plan.sent_back_reason == "Budgeten ska ses över"


def approved(plan, members):
    on_review(plan, members)
    return approve(plan, members["kansli"])


def test_kansli_starts_a_revision_with_parts_and_budget(plan, members):
    SectionFactory(association=plan.association, plan=plan, body="Text 2022")
    add_budget(plan)
    plan = approved(plan, members)
    revision = workflow.start_revision(document=plan, acting_user=members["kansli"])
    assert revision.status == Status.DRAFT and revision.revision_of == plan
    assert (revision.year, revision.end_year, revision.title) == (
        plan.year,
        plan.end_year,
        plan.title,
    )
    assert revision.sections.get().body == "Text 2022"
    assert sorted(
        BudgetAmount.objects.filter(line__group__budget__plan=revision).values_list(
            "amount", flat=True
        )
    ) == [1000, 5000]
    plan.refresh_from_db()
    assert plan.is_current and plan.status == Status.APPROVED


@pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEW, Status.SENT_BACK])
def test_only_an_approved_plan_is_revised(plan, members, status):
    plan.status = status
    plan.save()
    with pytest.raises(ValidationError, match="cannot start a revision"):
        workflow.start_revision(document=plan, acting_user=members["kansli"])


@pytest.mark.parametrize("role", ["styrelse", "projektledare", "revisor"])
def test_only_kansli_starts_a_revision(plan, members, role):
    plan = approved(plan, members)
    with pytest.raises(ValidationError, match="role"):
        workflow.start_revision(document=plan, acting_user=members[role])


def test_one_open_revision_at_a_time(plan, members):
    plan = approved(plan, members)
    workflow.start_revision(document=plan, acting_user=members["kansli"])
    with pytest.raises(ValidationError, match="already being prepared"):
        workflow.start_revision(document=plan, acting_user=members["kansli"])


def test_an_approved_revision_becomes_the_current_version(plan, members):
    plan = approved(plan, members)
    revision = workflow.start_revision(document=plan, acting_user=members["kansli"])
    send(revision, members["kansli"])
    revision = approve(revision, members["kansli"])
    plan.refresh_from_db()
    assert plan.superseded_by == revision and not plan.is_current
    assert plan.status == Status.APPROVED and plan.approval_line()  # still readable as approved
    assert revision.is_current
    with pytest.raises(ValidationError, match="replaced"):
        workflow.start_revision(document=plan, acting_user=members["kansli"])


def test_available_transitions_follow_role_and_state(plan, members):
    assert workflow.available(document=plan, user=members["kansli"]) == {"send_for_review"}
    assert workflow.available(document=plan, user=members["styrelse"]) == set()
    plan = on_review(plan, members)
    assert workflow.available(document=plan, user=members["kansli"]) == {
        "withdraw_review",
        "record_approval",
        "record_sent_back",
    }
    plan = approve(plan, members["kansli"])
    assert workflow.available(document=plan, user=members["kansli"]) == {"start_revision"}
    assert workflow.available(document=plan, user=members["revisor"]) == set()


def test_the_decision_is_recorded_in_one_transaction(transactional_db, plan, members, monkeypatch):
    """The row lock holds only inside a transaction: PostgreSQL refuses select_for_update
    outside one (a live server's request, not a test's wrapping transaction, showed it)."""
    from django.db import connection

    plan = on_review(plan, members)
    seen = []
    locked = workflow._locked

    def spy(plan):
        seen.append(connection.in_atomic_block)
        return locked(plan)

    monkeypatch.setattr(workflow, "_locked", spy)
    approve(plan, members["kansli"])
    assert seen == [True]

"""The rules of "Att göra" (``notifications.todo``), one by one, then per role."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scope

from associations.models import Invitation, OutgoingMail
from followup.models import QuarterReport
from notifications import todo
from plans.models import Comment, Plan, PlanIntervention
from reports.models import AnnualReport
from tests.factories import PlanFactory, PlanInterventionFactory
from tests.notifications.conftest import decided_entry

# 2023-02-10: the quarters of 2022 have ended; Q4's deadline (15 days) was 2023-01-15.
TODAY = datetime.date(2023, 2, 10)


@pytest.fixture
def plan(scoped):
    return PlanFactory(association=scoped, year=2022, end_year=2022, title="VP 2022")


@pytest.fixture
def led(plan, members):
    """An intervention of the 2022 plan that the projektledare leads."""
    entry = decided_entry(plan, name="Stegen")
    entry.intervention.name = "Stegen"
    entry.intervention.save()
    entry.intervention.project_leaders.add(members["projektledare"])
    return entry.intervention


@pytest.fixture
def not_led(plan):
    entry = decided_entry(plan)
    return entry.intervention


def quarter(intervention, number, status, *, year=2022, reason=""):
    return QuarterReport.objects.create(
        association=intervention.association,
        intervention=intervention,
        year=year,
        quarter=number,
        status=status,
        return_reason=reason,
    )


def titles(group):
    return [item.title for item in group.items]


# Quarters ---------------------------------------------------------------------


def test_submitted_quarters_queue_oldest_quarter_first(scoped, led, not_led):
    quarter(led, 3, "submitted")
    quarter(not_led, 1, "submitted")
    quarter(led, 1, "approved")
    group = todo.quarters_submitted(association=scoped, today=TODAY)
    assert titles(group) == [f"{not_led.name}: K1 2022", "Stegen: K3 2022"]
    assert group.items[0].url.endswith(f"/interventions/{not_led.pk}/2022/q1/")


def test_a_submitted_quarter_shows_when_it_was_submitted_not_its_last_change(scoped, led, members):
    from followup.models import ReportEvent

    report = quarter(led, 2, "submitted")
    event = ReportEvent.objects.create(
        association=scoped,
        report=report,
        action=ReportEvent.Action.SUBMITTED,
        user=members["projektledare"],
        from_status="draft",
        to_status="submitted",
    )
    ReportEvent.objects.filter(pk=event.pk).update(
        at=timezone.make_aware(datetime.datetime(2022, 7, 4, 12))
    )
    # The kansli corrects a figure later: the queue still says when it was submitted.
    QuarterReport.objects.filter(pk=report.pk).update(
        updated_at=timezone.make_aware(datetime.datetime(2022, 7, 20, 12))
    )
    group = todo.quarters_submitted(association=scoped, today=TODAY)
    assert "2022-07-04" in group.items[0].detail


def test_a_quarter_is_missing_only_after_its_deadline(scoped, led):
    for number in (1, 2, 3):
        quarter(led, number, "approved")
    # Q4 ended 2022-12-31, due 15 days later.
    assert todo.quarters_missing(association=scoped, today=datetime.date(2023, 1, 15)).items == []
    group = todo.quarters_missing(association=scoped, today=datetime.date(2023, 1, 16))
    assert titles(group) == ["Stegen: K4 2022"]
    assert group.items[0].overdue
    assert "2023-01-15" in group.items[0].detail


def test_the_forbunds_deadline_setting_moves_the_deadline(scoped, led):
    for number in (1, 2, 3):
        quarter(led, number, "approved")
    scoped.quarter_deadline_days = 30
    assert todo.quarters_missing(association=scoped, today=datetime.date(2023, 1, 20)).items == []
    group = todo.quarters_missing(association=scoped, today=datetime.date(2023, 1, 31))
    assert titles(group) == ["Stegen: K4 2022"]


def test_drafts_and_returned_quarters_count_as_missing_submitted_do_not(scoped, led):
    quarter(led, 1, "draft")
    quarter(led, 2, "returned", reason="Fel")
    quarter(led, 3, "submitted")
    group = todo.quarters_missing(association=scoped, today=TODAY)
    assert titles(group) == ["Stegen: K1 2022", "Stegen: K2 2022", "Stegen: K4 2022"]


def test_only_the_running_years_of_an_intervention_count(scoped, led):
    """The 2022 plan has the intervention: 2021 and 2023 are not its years."""
    today = datetime.date(2024, 6, 1)
    group = todo.quarters_missing(association=scoped, today=today)
    assert {item.title[-4:] for item in group.items} == {"2022"}


def test_an_intervention_the_plan_says_has_ended_asks_for_nothing(scoped, plan):
    decided_entry(plan, status=PlanIntervention.Status.ENDED)
    assert todo.quarters_missing(association=scoped, today=TODAY).items == []


def test_a_long_list_stops_at_the_limit_and_says_how_many_more(scoped, plan):
    for _ in range(3):
        decided_entry(plan)
    # 3 interventions × 4 quarters = 12 missing
    group = todo.quarters_missing(association=scoped, today=TODAY)
    assert len(group.items) == todo.LIMIT
    assert group.more == 12 - todo.LIMIT
    assert group.more_url.endswith("/followup/mine/")
    assert [item.date for item in group.items] == sorted(item.date for item in group.items)


def test_project_leader_sees_due_quarters_of_own_interventions(scoped, led, not_led, members):
    quarter(led, 1, "approved")
    quarter(led, 2, "draft")
    quarter(led, 3, "returned", reason="Summan stämmer inte")
    user = members["projektledare"]
    due = todo.quarters_due(association=scoped, user=user, today=datetime.date(2023, 1, 10))
    assert titles(due) == ["Stegen: K2 2022", "Stegen: K4 2022"]
    assert [item.overdue for item in due.items] == [True, False]
    assert "2023-01-15" in due.items[1].detail
    returned = todo.quarters_returned(association=scoped, user=user, today=TODAY)
    assert titles(returned) == ["Stegen: K3 2022"]
    assert "Summan stämmer inte" in returned.items[0].detail


def test_a_quarter_not_ended_is_not_due(scoped, led, members):
    today = datetime.date(2022, 3, 31)  # Q1 ends today
    group = todo.quarters_due(association=scoped, user=members["projektledare"], today=today)
    assert group.items == []


# The board's review -----------------------------------------------------------


def on_review(plan, deadline):
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.REVIEW, review_deadline=deadline)


def test_board_member_sees_documents_on_review_with_deadlines(scoped, plan):
    on_review(plan, datetime.date(2023, 2, 20))
    group = todo.reviews_waiting(association=scoped, today=TODAY)
    assert titles(group) == ["VP 2022"]
    assert "2023-02-20" in group.items[0].detail and not group.items[0].overdue
    assert group.items[0].url.endswith(f"/plans/{plan.pk}/review/")


def test_kansli_sees_reviews_whose_deadline_passed(scoped, plan):
    on_review(plan, TODAY)
    assert todo.reviews_overdue(association=scoped, today=TODAY).items == []
    on_review(plan, TODAY - datetime.timedelta(days=1))
    group = todo.reviews_overdue(association=scoped, today=TODAY)
    assert titles(group) == ["VP 2022"]
    assert group.items[0].url.endswith(f"/plans/{plan.pk}/decision/")


def comment(plan, author, *, parent=None, **fields):
    return Comment.objects.create(
        association=plan.association, plan=plan, author=author, parent=parent, body="Text", **fields
    )


def test_kansli_sees_unhandled_comments_only(scoped, plan, members):
    board = members["styrelse"]
    open_one = comment(plan, board)
    comment(plan, board, handled=True)
    comment(plan, board, withdrawn=True)
    comment(plan, members["kansli"], parent=open_one)  # an answer is not a thread
    group = todo.comments_unhandled(association=scoped, today=TODAY)
    assert [item.url.rsplit("#", 1)[1] for item in group.items] == [f"comment-{open_one.pk}"]


def test_my_comment_answered_by_someone_else(scoped, plan, members):
    on_review(plan, TODAY)
    board, kansli = members["styrelse"], members["kansli"]
    answered = comment(plan, board)
    comment(plan, kansli, parent=answered)
    my_last_word = comment(plan, board)
    comment(plan, kansli, parent=my_last_word)
    comment(plan, board, parent=my_last_word)
    unanswered = comment(plan, board)
    comment(plan, kansli, parent=unanswered, withdrawn=True)
    others = comment(plan, kansli)
    comment(plan, members["revisor"], parent=others)
    group = todo.comments_answered(association=scoped, user=board, today=TODAY)
    assert [item.url.rsplit("#", 1)[1] for item in group.items] == [f"comment-{answered.pk}"]


def test_answers_on_a_plan_no_longer_on_review_are_not_shown(scoped, plan, members):
    answered = comment(plan, members["styrelse"])
    comment(plan, members["kansli"], parent=answered)
    group = todo.comments_answered(association=scoped, user=members["styrelse"], today=TODAY)
    assert group.items == []


# The förbund --------------------------------------------------------------------


def test_invitations_not_accepted_after_seven_days(scoped):
    """Waiting or expired, not accepted or revoked: the address the kansli typed."""
    sent = timezone.make_aware(datetime.datetime(2023, 2, 3, 12))
    for n, state in enumerate(["pending", "accepted", "revoked"]):
        Invitation.objects.create(
            association=scoped,
            email=f"{state}@example.se",
            first_name="Ny",
            role="projektledare",
            state=state,
            sent_at=sent,
            token_hash=str(n) * 64,
        )
    day_before = TODAY - datetime.timedelta(days=1)
    assert todo.invitations_pending(association=scoped, today=day_before).items == []
    group = todo.invitations_pending(association=scoped, today=TODAY)
    assert titles(group) == ["pending@example.se"]
    assert group.items[0].url.endswith("/users/invitations/")


def test_next_years_plan_from_the_forbunds_date(scoped, plan):
    scoped.next_plan_month, scoped.next_plan_day = 9, 1
    assert todo.next_plan_missing(association=scoped, today=datetime.date(2022, 8, 31)).items == []
    group = todo.next_plan_missing(association=scoped, today=datetime.date(2022, 9, 1))
    assert titles(group) == ["Planen för 2023 är inte påbörjad"]
    PlanFactory(association=scoped, year=2023, end_year=2025)  # a draft is a start
    assert todo.next_plan_missing(association=scoped, today=datetime.date(2022, 9, 1)).items == []


def test_a_plan_covering_next_year_counts(scoped):
    PlanFactory(association=scoped, year=2022, end_year=2024)
    assert todo.next_plan_missing(association=scoped, today=datetime.date(2023, 11, 1)).items == []


def test_failed_mails_have_a_retry_button(scoped, other_association):
    def mail(association, status):
        return OutgoingMail.objects.create(
            association=association,
            to=["a@example.se"],
            subject="Inbjudan",
            body=".",
            status=status,
            last_error="Connection refused",
        )

    failed = mail(scoped, OutgoingMail.Status.FAILED)
    mail(scoped, OutgoingMail.Status.QUEUED)
    with scope(association=other_association):
        mail(other_association, OutgoingMail.Status.FAILED)
    group = todo.mails_failed(association=scoped, today=TODAY)
    assert titles(group) == ["Inbjudan till a@example.se"]
    assert "Connection refused" in group.items[0].detail
    assert group.items[0].post_url.endswith(f"/mails/{failed.pk}/retry/")


# Auditors -------------------------------------------------------------------------


def report(plan, **fields):
    return AnnualReport.objects.create(
        association=plan.association, plan=plan, year=2022, title="VB 2022", **fields
    )


def test_auditor_sees_approved_reports_without_the_statement(scoped, plan):
    assert todo.statements_missing(association=scoped, today=TODAY).items == []
    made = report(plan)
    assert todo.statements_missing(association=scoped, today=TODAY).items == []  # a draft
    AnnualReport.objects.filter(pk=made.pk).update(
        status="approved", approved_on=datetime.date(2023, 3, 1)
    )
    group = todo.statements_missing(association=scoped, today=TODAY)
    assert titles(group) == ["VB 2022"]
    assert group.items[0].url.endswith(f"/reports/{made.pk}/auditors-statement/")
    AnnualReport.objects.filter(pk=made.pk).update(auditors_statement_on=datetime.date(2023, 4, 1))
    assert todo.statements_missing(association=scoped, today=TODAY).items == []


# Per role ---------------------------------------------------------------------------


def test_each_role_gets_its_own_groups(scoped, plan, led, members):
    quarter(led, 1, "submitted")
    next_plan = PlanFactory(association=scoped, year=2023, end_year=2023, title="VP 2023")
    on_review(next_plan, TODAY - datetime.timedelta(days=1))
    keys = {
        role: [g.key for g in todo.todo_for(association=scoped, user=user, role=role, today=TODAY)]
        for role, user in members.items()
    }
    assert "quarters_submitted" in keys["kansli"] and "reviews_overdue" in keys["kansli"]
    assert keys["styrelse"] == ["reviews_waiting"]
    assert keys["projektledare"] == ["quarters_due"]
    assert keys["revisor"] == []


def test_another_forbunds_data_never_appears(scoped, other_association, members):
    with scope(association=other_association):
        other_plan = PlanFactory(association=other_association, title="Andras plan")
        entry = PlanInterventionFactory(association=other_association, plan=other_plan)
        quarter(entry.intervention, 1, "submitted")
        on_review(other_plan, TODAY - datetime.timedelta(days=1))
    scoped.next_plan_month = 12  # nothing of its own waits
    scoped.next_plan_day = 31
    for role, user in members.items():
        assert todo.todo_for(association=scoped, user=user, role=role, today=TODAY) == []


@pytest.mark.parametrize("role", ["kansli", "styrelse", "projektledare", "revisor"])
def test_a_whole_list_in_a_fixed_number_of_queries(demo_data, role, django_assert_max_num_queries):
    from associations.models import Association, User

    for slug in ("norra-vastmanland", "insjoriket", "ostra-varmland"):
        association = Association.objects.get(slug=slug)
        user = User.objects.get(username=f"{slug}-{role}")
        with scope(association=association), django_assert_max_num_queries(12):
            todo.todo_for(
                association=association, user=user, role=role, today=datetime.date(2026, 12, 3)
            )

"""Each event mails the right people, in Swedish, with a link to act; a person's choice
(at once, digest, never) is followed; nothing is mailed to or about another förbund."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from associations.models import OutgoingMail
from followup import services as followup_services
from followup import workflow as quarter_workflow
from notifications.models import Delivery, Kind, Notification, NotificationPreference
from plans import comments, workflow
from tests.factories import MembershipFactory, PlanFactory
from tests.followup.conftest import counts

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
SITE = "https://finsam.example.se"


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run ``action()`` and deliver what it queued, as after a commit."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        return result

    return run


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


def html_of(message):
    return next(content for content, kind in message.alternatives if kind == "text/html")


def test_a_plan_sent_for_review_mails_each_board_member(plan, members, sent):
    second = MembershipFactory(association=plan.association, role="styrelse").user
    sent(
        lambda: workflow.send_for_review(
            document=plan, acting_user=members["kansli"], deadline=TOMORROW
        )
    )
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([members["styrelse"].email, second.email])
    message = to(members["styrelse"].email)[0]
    assert message.subject == "Verksamhetsplan 2026 är skickad till styrelsen på remiss"
    assert "Synpunkter ska lämnas senast" in message.body
    link = f"{SITE}/f/{plan.association.slug}/plans/{plan.pk}/review/"
    assert link in message.body
    assert f'href="{link}"' in html_of(message)
    # The recipient's own name and nobody else's.
    assert members["styrelse"].get_full_name() in message.body
    assert members["kansli"].get_full_name() not in message.body
    assert f"{SITE}/accounts/notifications/" in message.body


def test_nobody_is_mailed_before_accepting_the_invitation(plan, members, sent):
    invited = MembershipFactory(association=plan.association, role="styrelse").user
    invited.set_unusable_password()
    invited.save()
    sent(
        lambda: workflow.send_for_review(
            document=plan, acting_user=members["kansli"], deadline=TOMORROW
        )
    )
    assert [message.to for message in mail.outbox] == [[members["styrelse"].email]]


def test_a_decision_mails_everyone_but_the_recorder(plan, members, sent, fake_pdf):
    workflow.send_for_review(document=plan, acting_user=members["kansli"], deadline=TOMORROW)
    mail.outbox.clear()
    sent(
        lambda: workflow.record_approval(
            document=plan, acting_user=members["kansli"], meeting_date=datetime.date(2025, 11, 20)
        )
    )
    recipients = sorted(message.to[0] for message in mail.outbox)
    expected = sorted(user.email for role, user in members.items() if role != "kansli")
    assert recipients == expected
    assert mail.outbox[0].subject == "Verksamhetsplan 2026 är fastställd"
    assert "20 november 2025" in mail.outbox[0].body


def test_sent_back_is_a_decision_too(plan, members, sent):
    workflow.send_for_review(document=plan, acting_user=members["kansli"], deadline=TOMORROW)
    sent(
        lambda: workflow.record_sent_back(
            document=plan, acting_user=members["kansli"], reason="Mer om budgeten"
        )
    )
    subjects = {message.subject for message in mail.outbox}
    assert "Verksamhetsplan 2026 är återsänd" in subjects
    # The board's reason is not in the mail (the link shows it to those who may see it).
    assert all("Mer om budgeten" not in message.body for message in mail.outbox)


def test_an_answer_mails_the_author_of_the_thread_only(plan, members, sent):
    workflow.send_for_review(document=plan, acting_user=members["kansli"], deadline=TOMORROW)
    thread = comments.comment_create(
        plan=plan, acting_user=members["styrelse"], body="Varför minskar budgeten?"
    )
    sent(
        lambda: comments.comment_reply(
            parent=thread, acting_user=members["kansli"], body="Anna Andersson slutade."
        )
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [members["styrelse"].email]
    assert message.subject == "Din synpunkt på Verksamhetsplan 2026 har fått svar"
    # What was written stays on the page.
    assert "Anna Andersson" not in message.body
    assert "Varför minskar" not in message.body
    assert f"#comment-{thread.pk}" in message.body


def test_the_author_answering_their_own_thread_gets_no_mail(plan, members, sent):
    workflow.send_for_review(document=plan, acting_user=members["kansli"], deadline=TOMORROW)
    thread = comments.comment_create(plan=plan, acting_user=members["styrelse"], body="Fråga")
    sent(
        lambda: comments.comment_reply(
            parent=thread, acting_user=members["styrelse"], body="Tillägg"
        )
    )
    assert mail.outbox == []


def submit(intervention, user, measures):
    report = followup_services.quarter_report_save(
        intervention=intervention,
        year=2026,
        quarter=1,
        acting_user=user,
        expected_version=None,
        values=counts(measures, active=(3, 2)),
    )
    return followup_services.quarter_report_transition(
        report=report, acting_user=user, action=quarter_workflow.SUBMIT
    )


def test_a_submitted_quarter_mails_the_kansli(intervention, members, measures, sent):
    sent(lambda: submit(intervention, members["projektledare"], measures))
    assert [message.to for message in mail.outbox] == [[members["kansli"].email]]
    message = mail.outbox[0]
    assert message.subject == "K1 2026 för Stegen är inlämnad"
    slug = intervention.association.slug
    assert f"{SITE}/f/{slug}/followup/interventions/{intervention.pk}/2026/q1/" in message.body


def test_a_returned_quarter_mails_its_project_leaders_with_the_reason(
    intervention, members, measures, sent
):
    report = submit(intervention, members["projektledare"], measures)
    mail.outbox.clear()
    sent(
        lambda: followup_services.quarter_report_transition(
            report=report,
            acting_user=members["kansli"],
            action=quarter_workflow.RETURN,
            reason="Summan av kvinnor och män stämmer inte",
        )
    )
    assert [message.to for message in mail.outbox] == [[members["projektledare"].email]]
    message = mail.outbox[0]
    assert message.subject == "K1 2026 för Stegen är återlämnad för komplettering"
    assert "Summan av kvinnor och män stämmer inte" in message.body


def test_an_approved_quarter_mails_its_project_leaders(intervention, members, measures, sent):
    report = submit(intervention, members["projektledare"], measures)
    mail.outbox.clear()
    sent(
        lambda: followup_services.quarter_report_transition(
            report=report, acting_user=members["kansli"], action=quarter_workflow.APPROVE
        )
    )
    assert [message.subject for message in mail.outbox] == ["K1 2026 för Stegen är godkänd"]


def test_never_means_never_and_digest_waits(plan, members, sent):
    second = MembershipFactory(association=plan.association, role="styrelse").user
    NotificationPreference.objects.create(
        user=members["styrelse"], kind=Kind.REVIEW, delivery=Delivery.NEVER
    )
    NotificationPreference.objects.create(user=second, kind=Kind.REVIEW, delivery=Delivery.DIGEST)
    sent(
        lambda: workflow.send_for_review(
            document=plan, acting_user=members["kansli"], deadline=TOMORROW
        )
    )
    assert mail.outbox == []
    waiting = Notification.objects.get()
    assert (waiting.user, waiting.delivery, waiting.mail) == (second, Delivery.DIGEST, None)


def test_a_rolled_back_event_mails_nobody(plan, members, sent):
    from django.db import transaction

    class Undo(Exception):
        pass

    def action():
        try:
            with transaction.atomic():
                workflow.send_for_review(
                    document=plan, acting_user=members["kansli"], deadline=TOMORROW
                )
                raise Undo
        except Undo:
            pass

    sent(action)
    assert mail.outbox == []
    with scopes_disabled():
        assert not OutgoingMail.objects.exists()
        assert not Notification.objects.exists()


def test_no_mail_names_another_forbunds_objects(plan, members, other_association, sent):
    """Events in two förbund: each mail goes to a member of the förbund of the event and
    names only that förbund's plan."""
    with scope(association=other_association):
        other_plan = PlanFactory(
            association=other_association, year=2026, end_year=2026, title="Hemlig plan B"
        )
        board_b = MembershipFactory(association=other_association, role="styrelse").user
        kansli_b = MembershipFactory(association=other_association, role="kansli").user
        sent(
            lambda: workflow.send_for_review(
                document=other_plan, acting_user=kansli_b, deadline=TOMORROW
            )
        )
    sent(
        lambda: workflow.send_for_review(
            document=plan, acting_user=members["kansli"], deadline=TOMORROW
        )
    )
    for message in mail.outbox:
        if message.to == [board_b.email]:
            assert "Hemlig plan B" in message.subject and "forbund-b" in message.body
            assert "forbund-a" not in message.body
        else:
            assert message.to == [members["styrelse"].email]
            assert "Hemlig" not in message.body and "forbund-b" not in message.body


def test_a_project_leader_who_left_the_forbund_is_not_told(intervention, members, measures, sent):
    """Led by someone whose membership was removed: the return mails nobody outside."""
    from associations.models import Membership

    report = submit(intervention, members["projektledare"], measures)
    Membership.objects.filter(user=members["projektledare"]).delete()
    mail.outbox.clear()
    sent(
        lambda: followup_services.quarter_report_transition(
            report=report,
            acting_user=members["kansli"],
            action=quarter_workflow.RETURN,
            reason="Fel",
        )
    )
    assert mail.outbox == []


def test_a_failing_mail_server_is_tried_again_and_then_shown_as_failed(
    plan, members, sent, settings
):
    from associations import outbox

    settings.OUTBOX_DELIVERY_BACKEND = "tests.hardening.test_invitation_mail.FailingBackend"
    sent(
        lambda: workflow.send_for_review(
            document=plan, acting_user=members["kansli"], deadline=TOMORROW
        )
    )
    with scopes_disabled():
        queued = OutgoingMail.objects.get()
    assert (queued.status, queued.attempts) == (OutgoingMail.Status.QUEUED, 1)
    assert "mail server is down" in queued.last_error
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS - 1):
        with scopes_disabled():
            # Not yet due: nothing happens.
            assert outbox.retry_due() == 0
            # Its time comes.
            OutgoingMail.objects.filter(pk=queued.pk).update(
                next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
            )
            sent(outbox.retry_due)
    # The immediate runner cannot wait: retry_due gives it the mail when its time has come.
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (
        OutgoingMail.Status.FAILED,
        settings.OUTBOX_MAX_ATTEMPTS,
    )
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent(lambda: outbox.retry_failed(queued))
    queued.refresh_from_db()
    assert queued.status == OutgoingMail.Status.SENT
    assert len(mail.outbox) == 1


def test_a_mail_is_sent_once_even_if_given_to_the_runner_twice(plan, members, sent):
    from associations import outbox

    sent(
        lambda: workflow.send_for_review(
            document=plan, acting_user=members["kansli"], deadline=TOMORROW
        )
    )
    with scopes_disabled():
        mail_id = OutgoingMail.objects.get().pk
    assert outbox.deliver_now(mail_id) == "skipped"
    assert len(mail.outbox) == 1

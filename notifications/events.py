"""Who is told of each event of the review and the follow-up, and what the mail says.

Connected in ``NotificationsConfig.ready()`` to the signals of ``plans.signals`` and
``followup.signals``; each receiver runs in the transaction of the event.
"""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from associations.models import Membership, Role, User
from followup import workflow as quarter_workflow
from plans.models import Plan

from .delivery import Message, notify
from .models import Kind


def members(association, *roles) -> list[User]:
    """The förbund's users with one of ``roles`` (every user when none is given)."""
    memberships = Membership.objects.filter(association=association).select_related("user")
    if roles:
        memberships = memberships.filter(role__in=roles)
    return [membership.user for membership in memberships]


def _day(day) -> str:
    return date_format(day, "j F Y") if day else ""


def document_path(document, *, review: bool = False) -> str:
    """The page of a plan or report: the review page of a plan for the board."""
    slug = document.association.slug
    if isinstance(document, Plan):
        name = "plans:review" if review else "plans:plan_detail"
        return reverse(name, kwargs={"association_slug": slug, "plan_pk": document.pk})
    return reverse(
        "reports:report_detail", kwargs={"association_slug": slug, "report_pk": document.pk}
    )


def on_sent_for_review(sender, *, document, acting_user, **kwargs):
    """A plan or report went to the board: each board member is asked to review it."""
    association = document.association

    def message(user):
        return Message(
            subject=_("%(title)s is sent to the board for review") % {"title": document.title},
            text=_(
                "%(title)s of %(association)s has been sent to the board for review. "
                "Comments are due by %(deadline)s."
            )
            % {
                "title": document.title,
                "association": association.display_name,
                "deadline": _day(document.review_deadline),
            },
            path=document_path(document, review=True),
        )

    notify(
        association=association,
        users=members(association, Role.BOARD_MEMBER),
        kind=Kind.REVIEW,
        message=message,
        exclude=acting_user,
    )


def on_decision_recorded(sender, *, document, acting_user, approved, **kwargs):
    """The board's decision is recorded: everyone in the förbund is told."""
    association = document.association
    if approved:
        text = _("The board of %(association)s approved %(title)s on %(day)s.") % {
            "association": association.display_name,
            "title": document.title,
            "day": _day(document.approved_on),
        }
        subject = _("%(title)s is approved") % {"title": document.title}
    else:
        text = _("The board of %(association)s sent %(title)s back to the kansli for changes.") % {
            "association": association.display_name,
            "title": document.title,
        }
        subject = _("%(title)s is sent back") % {"title": document.title}
    notify(
        association=association,
        users=members(association),
        kind=Kind.DECISION,
        message=lambda user: Message(subject=subject, text=text, path=document_path(document)),
        exclude=acting_user,
    )


def on_comment_answered(sender, *, reply, acting_user, **kwargs):
    """An answer in a thread: the one who started the thread is told (not who answered,
    nor what was written: the link shows it to whoever may see it)."""
    thread = reply.parent
    plan = reply.plan
    path = document_path(plan, review=True) + f"#comment-{thread.pk}"
    notify(
        association=plan.association,
        users=[thread.author],
        kind=Kind.ANSWER,
        message=lambda user: Message(
            subject=_("Your comment on %(title)s has an answer") % {"title": plan.title},
            text=_("Your comment on %(title)s of %(association)s has been answered.")
            % {"title": plan.title, "association": plan.association.display_name},
            path=path,
        ),
        exclude=acting_user,
    )


def quarter_path(report) -> str:
    return quarter_page(
        association=report.association,
        intervention=report.intervention,
        year=report.year,
        quarter=report.quarter,
    )


def quarter_page(*, association, intervention, year: int, quarter: int) -> str:
    return reverse(
        "followup:quarter",
        kwargs={
            "association_slug": association.slug,
            "pk": intervention.pk,
            "year": year,
            "quarter": quarter,
        },
    )


def _quarter_words(report) -> dict:
    return {
        "quarter": report.quarter,
        "year": report.year,
        "intervention": report.intervention.name,
        "association": report.association.display_name,
    }


def on_quarter_transitioned(sender, *, report, action, acting_user, reason="", **kwargs):
    """Submitted: the kansli is told. Returned (with the reason) or approved: the
    intervention's project leaders are told. Reopened: nobody."""
    association = report.association
    words = _quarter_words(report)
    path = quarter_path(report)
    if action == quarter_workflow.SUBMIT:
        kind, users = Kind.QUARTER_SUBMITTED, members(association, Role.KANSLI)
        subject = _("Q%(quarter)s %(year)s of %(intervention)s is submitted") % words
        text = (
            _(
                "The figures of %(intervention)s for quarter %(quarter)s %(year)s have been "
                "submitted in %(association)s and wait for your approval."
            )
            % words
        )
    elif action == quarter_workflow.RETURN:
        kind, users = Kind.QUARTER_RETURNED, list(report.intervention.project_leaders.all())
        subject = _("Q%(quarter)s %(year)s of %(intervention)s is returned for revision") % words
        text = _(
            "The kansli of %(association)s returned the figures of %(intervention)s for "
            "quarter %(quarter)s %(year)s for revision. The reason: %(reason)s"
        ) % {**words, "reason": reason}
    elif action == quarter_workflow.APPROVE:
        kind, users = Kind.QUARTER_APPROVED, list(report.intervention.project_leaders.all())
        subject = _("Q%(quarter)s %(year)s of %(intervention)s is approved") % words
        text = (
            _(
                "The kansli of %(association)s approved the figures of %(intervention)s for "
                "quarter %(quarter)s %(year)s."
            )
            % words
        )
    else:
        return
    notify(
        association=association,
        users=users,
        kind=kind,
        message=lambda user: Message(subject=subject, text=text, path=path),
        exclude=acting_user,
    )

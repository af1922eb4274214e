""" "Att göra": what waits for a person in a förbund, per role, on the förbund's home page.

Each rule is a plain function returning a ``TodoGroup`` (a heading and its ``TodoItem``s,
oldest or most urgent first), each in a fixed number of queries whatever the data;
``todo_for`` gives the groups of one role that have something in them. The home page
(``associations``) shows them through ``associations.home``, filled in
``notifications.apps``.

Bounds, so that a förbund with years of history does not drown the list:

- Quarters are those of an intervention's running years (the years of the plans that
  have it and do not say it has ended, ``followup.selectors``), up to the quarter that
  has ended; a quarter counts as missing once its deadline
  (``Association.quarter_deadline_days`` after its end, ``followup.deadlines``) has passed
  without figures submitted or approved.
- A group shows at most ``LIMIT`` items, oldest first, and says how many more there are,
  with a link to the page that lists them all (the follow-up grid for quarters).
- An invitation waits once it was sent ``INVITATION_DAYS`` days ago and is neither
  accepted nor revoked (expired ones too, until the kansli sends them again or revokes them).
- Next year's plan is missing from ``Association.next_plan_start`` of this year until a
  plan covering next year exists (in any state: a draft counts as started).
- A revisor's item exists only for a report the board has approved (once a report
  exists and is approved), until the auditors' statement is recorded.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.models import Invitation, OutgoingMail, Role
from followup.deadlines import quarter_deadline, quarter_end
from followup.models import QuarterReport, ReportEvent
from followup.selectors import QUARTERS, interventions_led_by, running_years_by_intervention
from plans.models import BoardDecided, Comment, Intervention, Plan
from reports.models import AnnualReport

LIMIT = 10
INVITATION_DAYS = 7
DONE_STATUSES = (QuarterReport.Status.SUBMITTED, QuarterReport.Status.APPROVED)


@dataclass(frozen=True)
class TodoItem:
    """One thing to do: ``url`` is the page where it is done; ``post_url`` (if set) a
    button that does it at once; ``date`` orders the group (a deadline or the day it
    began waiting); ``overdue``: its deadline has passed."""

    title: str
    url: str = ""
    date: datetime.date | None = None
    detail: str = ""
    overdue: bool = False
    post_url: str = ""
    post_label: str = ""


@dataclass
class TodoGroup:
    key: str
    heading: str
    items: list[TodoItem] = field(default_factory=list)
    more: int = 0  # items not shown (beyond LIMIT)
    more_url: str = ""


def _group(key, heading, items, *, more_url="") -> TodoGroup:
    """The group of ``items`` sorted by date (undated last), cut at ``LIMIT``."""
    items = sorted(items, key=lambda item: (item.date is None, item.date or datetime.date.min))
    return TodoGroup(
        key=key,
        heading=str(heading),
        items=items[:LIMIT],
        more=max(0, len(items) - LIMIT),
        more_url=more_url,
    )


def _url(name, association, **kwargs) -> str:
    return reverse(name, kwargs={"association_slug": association.slug, **kwargs})


def _quarter_url(association, intervention_id, year, quarter) -> str:
    return _url("followup:quarter", association, pk=intervention_id, year=year, quarter=quarter)


def _quarter_label(intervention, year, quarter) -> str:
    # As the quarter's own page names it ("K3 2022" in either language).
    return f"{intervention.name}: K{quarter} {year}"


def _deadline_text(deadline: datetime.date, today: datetime.date) -> str:
    if deadline < today:
        return _("was due %(date)s") % {"date": deadline.isoformat()}
    return _("due %(date)s") % {"date": deadline.isoformat()}


# Quarters ---------------------------------------------------------------------


def _unsubmitted_quarters(*, association, interventions, today):
    """``(intervention, year, quarter, report or None)`` for every quarter of the
    interventions' running years that has ended and has no figures submitted or approved.
    Three queries."""
    interventions = {i.pk: i for i in interventions}
    years = running_years_by_intervention(association=association, decided_only=True)
    reports = {
        (r.intervention_id, r.year, r.quarter): r
        for r in QuarterReport.objects.filter(
            association=association, intervention__in=list(interventions), year__lte=today.year
        ).only("intervention_id", "year", "quarter", "status", "return_reason")
    }
    found = []
    for intervention_id, intervention in interventions.items():
        for year in sorted(y for y in years.get(intervention_id, ()) if y <= today.year):
            for quarter in QUARTERS:
                if quarter_end(year, quarter) >= today:
                    break
                report = reports.get((intervention_id, year, quarter))
                if report is None or report.status not in DONE_STATUSES:
                    found.append((intervention, year, quarter, report))
    return found


def quarters_submitted(*, association, today) -> TodoGroup:
    """Kansli: quarters submitted and waiting for approval, the oldest quarter first."""
    submitted_at = (
        ReportEvent.objects.filter(report=OuterRef("pk"), action=ReportEvent.Action.SUBMITTED)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    reports = (
        QuarterReport.objects.filter(association=association, status=QuarterReport.Status.SUBMITTED)
        .select_related("intervention")
        .annotate(submitted_at=Subquery(submitted_at))
    )
    items = [
        TodoItem(
            title=_quarter_label(r.intervention, r.year, r.quarter),
            # When it was last submitted (its log); a report from before the log, its
            # last change.
            detail=_("submitted %(date)s")
            % {"date": timezone.localdate(r.submitted_at or r.updated_at).isoformat()},
            url=_quarter_url(association, r.intervention_id, r.year, r.quarter),
            date=quarter_end(r.year, r.quarter),
        )
        for r in reports
    ]
    return _group(
        "quarters_submitted",
        gettext_lazy("Quarters to approve"),
        items,
        more_url=_url("followup:my_interventions", association),
    )


def quarters_missing(*, association, today) -> TodoGroup:
    """Kansli: quarters of running interventions whose deadline has passed without figures
    submitted (none entered, a draft, or returned and not sent again)."""
    interventions = Intervention.objects.filter(association=association)
    items = []
    for intervention, year, quarter, _report in _unsubmitted_quarters(
        association=association, interventions=interventions, today=today
    ):
        deadline = quarter_deadline(association, year, quarter)
        if deadline < today:
            items.append(
                TodoItem(
                    title=_quarter_label(intervention, year, quarter),
                    detail=_deadline_text(deadline, today),
                    url=_quarter_url(association, intervention.pk, year, quarter),
                    date=deadline,
                    overdue=True,
                )
            )
    return _group(
        "quarters_missing",
        gettext_lazy("Quarters missing after their deadline"),
        items,
        more_url=_url("followup:my_interventions", association),
    )


def quarters_due(*, association, user, today) -> TodoGroup:
    """Projektledare: the ended quarters of the interventions I lead with no figures
    submitted yet (returned ones are in ``quarters_returned``), with their deadlines."""
    interventions = interventions_led_by(association=association, user=user)
    items = []
    for intervention, year, quarter, report in _unsubmitted_quarters(
        association=association, interventions=interventions, today=today
    ):
        if report is not None and report.status == QuarterReport.Status.RETURNED:
            continue
        deadline = quarter_deadline(association, year, quarter)
        items.append(
            TodoItem(
                title=_quarter_label(intervention, year, quarter),
                detail=_deadline_text(deadline, today),
                url=_quarter_url(association, intervention.pk, year, quarter),
                date=deadline,
                overdue=deadline < today,
            )
        )
    return _group(
        "quarters_due",
        gettext_lazy("Quarters to report"),
        items,
        more_url=_url("followup:my_interventions", association),
    )


def quarters_returned(*, association, user, today) -> TodoGroup:
    """Projektledare: quarters of my interventions the kansli returned, with the reason."""
    reports = QuarterReport.objects.filter(
        association=association,
        status=QuarterReport.Status.RETURNED,
        intervention__in=interventions_led_by(association=association, user=user),
    ).select_related("intervention")
    items = [
        TodoItem(
            title=_quarter_label(r.intervention, r.year, r.quarter),
            detail=_("Returned: %(reason)s") % {"reason": r.return_reason}
            if r.return_reason
            else _("Returned"),
            url=_quarter_url(association, r.intervention_id, r.year, r.quarter),
            date=quarter_end(r.year, r.quarter),
        )
        for r in reports
    ]
    return _group(
        "quarters_returned",
        gettext_lazy("Quarters returned for revision"),
        items,
        more_url=_url("followup:my_interventions", association),
    )


# The board's review -------------------------------------------------------------


def _documents_on_review(association):
    """Plans and reports on review, each with the URL of its review page. Two queries."""
    plans = Plan.objects.filter(association=association, status=BoardDecided.Status.REVIEW)
    reports = AnnualReport.objects.filter(
        association=association, status=BoardDecided.Status.REVIEW
    )
    return [
        *((plan, _url("plans:review", association, plan_pk=plan.pk)) for plan in plans),
        *(
            (report, _url("reports:report_detail", association, report_pk=report.pk))
            for report in reports
        ),
    ]


def reviews_overdue(*, association, today) -> TodoGroup:
    """Kansli: plans and reports on review whose deadline has passed: the board's
    decision is to be recorded."""
    items = []
    for document, _review_url in _documents_on_review(association):
        deadline = document.review_deadline
        if deadline is None or deadline >= today:
            continue
        if isinstance(document, Plan):
            url = _url("plans:decision", association, plan_pk=document.pk)
        else:
            url = _url("reports:report_decision", association, report_pk=document.pk)
        items.append(
            TodoItem(
                title=document.title,
                detail=_("comments were due %(date)s: record the board's decision")
                % {"date": deadline.isoformat()},
                url=url,
                date=deadline,
                overdue=True,
            )
        )
    return _group("reviews_overdue", gettext_lazy("Reviews past their deadline"), items)


def reviews_waiting(*, association, today) -> TodoGroup:
    """Styrelse: plans and reports on review, with their deadlines."""
    items = []
    for document, url in _documents_on_review(association):
        deadline = document.review_deadline
        items.append(
            TodoItem(
                title=document.title,
                detail=_("comments due by %(date)s") % {"date": deadline.isoformat()}
                if deadline
                else "",
                url=url,
                date=deadline,
                overdue=deadline is not None and deadline < today,
            )
        )
    return _group("reviews_waiting", gettext_lazy("Waiting for your review"), items)


def _excerpt(text: str, length: int = 120) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _comment_url(association, comment) -> str:
    return _url("plans:review", association, plan_pk=comment.plan_id) + f"#comment-{comment.pk}"


def comments_unhandled(*, association, today) -> TodoGroup:
    """Kansli: the board's comments (threads) neither handled nor withdrawn."""
    threads = Comment.objects.filter(
        association=association, parent__isnull=True, withdrawn=False, handled=False
    ).select_related("plan", "author")
    items = [
        TodoItem(
            title=_("%(author)s on %(plan)s") % {"author": c.author, "plan": c.plan.title},
            detail=_excerpt(c.body),
            url=_comment_url(association, c),
            date=timezone.localdate(c.created_at),
        )
        for c in threads
    ]
    return _group("comments_unhandled", gettext_lazy("Board comments to handle"), items)


def comments_answered(*, association, user, today) -> TodoGroup:
    """Styrelse: threads I started on a plan still on review whose latest message is
    someone else's."""
    threads = (
        Comment.objects.filter(
            association=association,
            parent__isnull=True,
            author=user,
            withdrawn=False,
            plan__status=BoardDecided.Status.REVIEW,
        )
        .select_related("plan")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Comment.objects.filter(withdrawn=False).select_related("author"),
                to_attr="visible_replies",
            )
        )
    )
    items = []
    for thread in threads:
        latest = max(thread.visible_replies, key=lambda r: (r.created_at, r.pk), default=None)
        if latest is None or latest.author_id == user.pk:
            continue
        items.append(
            TodoItem(
                title=_("%(author)s answered your comment on %(plan)s")
                % {"author": latest.author, "plan": thread.plan.title},
                detail=_excerpt(latest.body),
                url=_comment_url(association, thread),
                date=timezone.localdate(latest.created_at),
            )
        )
    return _group("comments_answered", gettext_lazy("Answers to your comments"), items)


# The förbund -------------------------------------------------------------------


def invitations_pending(*, association, today) -> TodoGroup:
    """Kansli: invitations sent ``INVITATION_DAYS`` days ago or more that wait still, or
    have expired unaccepted (the address the kansli typed; nothing about an account)."""
    waiting = Invitation.objects.filter(
        association=association,
        state=Invitation.State.PENDING,
        sent_at__date__lte=today - datetime.timedelta(days=INVITATION_DAYS),
    )
    items = [
        TodoItem(
            title=invitation.email,
            detail=_("invited %(date)s, not accepted")
            % {"date": timezone.localdate(invitation.sent_at).isoformat()},
            url=_url("associations:invitation_list", association),
            date=timezone.localdate(invitation.sent_at),
        )
        for invitation in waiting
    ]
    return _group(
        "invitations_pending",
        gettext_lazy("Invitations not accepted"),
        items,
        more_url=_url("associations:invitation_list", association),
    )


def next_plan_missing(*, association, today) -> TodoGroup:
    """Kansli: from the förbund's date (``next_plan_start``) on, no plan covers next year."""
    items = []
    start_by = association.next_plan_start(today.year)
    next_year = today.year + 1
    if today >= start_by and not (
        Plan.objects.filter(association=association, year__lte=next_year, end_year__gte=next_year)
        .only("pk")
        .exists()
    ):
        items.append(
            TodoItem(
                title=_("The plan for %(year)s is not started") % {"year": next_year},
                detail=_("to be started by %(date)s") % {"date": start_by.isoformat()},
                url=_url("plans:plan_list", association),
                date=start_by,
                overdue=True,
            )
        )
    return _group("next_plan_missing", gettext_lazy("Next year's plan"), items)


def mails_failed(*, association, today) -> TodoGroup:
    """Kansli: mails of the förbund that could not be sent after the last try."""
    mails = OutgoingMail.objects.filter(
        association=association, status=OutgoingMail.Status.FAILED
    ).only("pk", "to", "subject", "last_error", "created_at")
    items = [
        TodoItem(
            title=_("%(subject)s to %(to)s") % {"subject": m.subject, "to": ", ".join(m.to)},
            detail=_("Could not be sent: %(error)s") % {"error": m.last_error[:200]}
            if m.last_error
            else _("Could not be sent"),
            date=timezone.localdate(m.created_at),
            post_url=_url("associations:mail_retry", association, pk=m.pk),
            post_label=_("Try again"),
        )
        for m in mails
    ]
    return _group("mails_failed", gettext_lazy("E-mails that could not be sent"), items)


# Auditors ----------------------------------------------------------------------


def statements_missing(*, association, today) -> TodoGroup:
    """Revisor: approved reports without the auditors' statement."""
    reports = AnnualReport.objects.filter(
        association=association,
        status=BoardDecided.Status.APPROVED,
        auditors_statement_on__isnull=True,
    )
    items = [
        TodoItem(
            title=report.title,
            detail=_("approved %(date)s, the auditors' statement is missing")
            % {"date": report.approved_on.isoformat()}
            if report.approved_on
            else _("the auditors' statement is missing"),
            url=_url("reports:auditors_statement", association, report_pk=report.pk),
            date=report.approved_on,
        )
        for report in reports
    ]
    return _group("statements_missing", gettext_lazy("Auditors' statements to record"), items)


# Per role ------------------------------------------------------------------------

KANSLI_RULES: list[Callable[..., TodoGroup]] = [
    mails_failed,
    quarters_submitted,
    quarters_missing,
    comments_unhandled,
    reviews_overdue,
    invitations_pending,
    next_plan_missing,
]


def todo_for(*, association, user, role: str, today: datetime.date) -> list[TodoGroup]:
    """What waits for ``user`` in ``role`` at ``association``: the groups that are not
    empty, in the order the role meets them. The caller activates the förbund's scope."""
    if role == Role.KANSLI:
        groups = [rule(association=association, today=today) for rule in KANSLI_RULES]
    elif role == Role.BOARD_MEMBER:
        groups = [
            reviews_waiting(association=association, today=today),
            comments_answered(association=association, user=user, today=today),
        ]
    elif role == Role.PROJECT_LEADER:
        groups = [
            quarters_returned(association=association, user=user, today=today),
            quarters_due(association=association, user=user, today=today),
        ]
    elif role == Role.AUDITOR:
        groups = [statements_missing(association=association, today=today)]
    else:
        groups = []
    return [group for group in groups if group.items]

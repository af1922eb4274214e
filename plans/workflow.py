"""The board's review of a plan, or of another document the board decides (an annual
report: ``plans.models.BoardDecided``): one small state machine for both.

    draft ──send_for_review──▶ review ──record_approval──▶ approved ──start_revision──▶ (new draft)
      ▲                         │  │
      └────withdraw_review──────┘  └──record_sent_back──▶ sent_back ──send_for_review──▶ review

Every transition checks the acting user's role (``plans.rules``, the same rules for
every document) and the document's current state, and refuses with a ValidationError
whose message the user reads. ``start_revision`` is a plan's only.
A plan on review or approved is frozen (``services.ensure_editable`` and the
guard in ``freezing``). Approving a revision makes it the current version: the
plan it revises gets ``superseded_by`` and stays readable. Approving also queues the
job that stores the plan's PDF and PDF/A as they are at the decision (``tasks``: it
runs what ``documents.plan_document`` registers in ``plans.extensions``; an annual
report's, ``reports``).
"""

import datetime
import functools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from associations.rules import can

from . import extensions, signals, tasks
from .comments import unhandled_count
from .models import BoardDecided, Plan

Status = BoardDecided.Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str | None  # None: the plan keeps its status (a new plan is made)
    rule: str
    action: Promise  # "send the plan to the board", for the messages


SEND_FOR_REVIEW = Transition(
    "send_for_review",
    (Status.DRAFT, Status.SENT_BACK),
    Status.REVIEW,
    "plans.send_for_review",
    gettext_lazy("send the plan to the board for review"),
)
WITHDRAW_REVIEW = Transition(
    "withdraw_review",
    (Status.REVIEW,),
    Status.DRAFT,
    "plans.send_for_review",
    gettext_lazy("take the plan back from the board"),
)
RECORD_APPROVAL = Transition(
    "record_approval",
    (Status.REVIEW,),
    Status.APPROVED,
    "plans.record_decision",
    gettext_lazy("record that the board approved the plan"),
)
RECORD_SENT_BACK = Transition(
    "record_sent_back",
    (Status.REVIEW,),
    Status.SENT_BACK,
    "plans.record_decision",
    gettext_lazy("record that the board sent the plan back"),
)
START_REVISION = Transition(
    "start_revision",
    (Status.APPROVED,),
    None,
    "plans.start_revision",
    gettext_lazy("start a revision of the plan"),
)
TRANSITIONS = {
    t.name: t
    for t in [SEND_FOR_REVIEW, WITHDRAW_REVIEW, RECORD_APPROVAL, RECORD_SENT_BACK, START_REVISION]
}


def _action(transition: Transition, document: BoardDecided) -> str:
    """The transition in words, for ``document``'s kind ("send the report to the board…")."""
    words = getattr(document, "WORKFLOW_ACTIONS", {})
    return str(words.get(transition.name, transition.action))


def refusal(transition: Transition, *, document: BoardDecided, user) -> str | None:
    """Why ``user`` may not make ``transition`` on ``document`` now, or None if they may."""
    action = _action(transition, document)
    if transition is START_REVISION and not isinstance(document, Plan):
        return _("Only a plan is revised.")
    if not can(user, transition.rule, document):
        return _("Your role does not allow you to %(action)s.") % {"action": action}
    if document.status not in transition.sources:
        return str(document.WORKFLOW_WORDS["status"]) % {
            "status": document.get_status_display().lower(),
            "action": action,
        }
    if transition is START_REVISION:
        if not document.is_current:
            return _("A later version has replaced this plan; revise the current version.")
        if document.revisions.exclude(status=Status.APPROVED).exists():
            return _("A revision of this plan is already being prepared.")
    return None


def available(*, document: BoardDecided, user) -> set[str]:
    """The names of the transitions ``user`` may make on ``document`` now (for the buttons)."""
    return {
        name for name, t in TRANSITIONS.items() if refusal(t, document=document, user=user) is None
    }


def _locked(document: BoardDecided) -> BoardDecided:
    """The document as stored, its row locked until the transaction ends (two clicks, one
    decision)."""
    return type(document).objects.select_for_update().get(pk=document.pk)


def _check(transition: Transition, document: BoardDecided, user) -> None:
    message = refusal(transition, document=document, user=user)
    if message:
        raise ValidationError(message, code="transition")


def _save(document: BoardDecided, acting_user, fields: list[str]) -> BoardDecided:
    document._history_user = acting_user
    document.version += 1  # the row is locked (``_locked``): no lost update
    document.save(update_fields=[*fields, "version", "updated_at"])
    return document


@transaction.atomic
def send_for_review(
    *, document: BoardDecided, acting_user, deadline: datetime.date, message: str = ""
) -> BoardDecided:
    """Send a draft (or a document the board sent back) to the board. Freezes it."""
    document = _locked(document)
    _check(SEND_FOR_REVIEW, document, acting_user)
    if deadline is None:
        raise ValidationError({"deadline": _("Give the date the board's comments are due.")})
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    document.status = Status.REVIEW
    document.review_deadline = deadline
    document.review_message = message.strip()
    _save(document, acting_user, ["status", "review_deadline", "review_message"])
    signals.sent_for_review.send(sender=type(document), document=document, acting_user=acting_user)
    return document


@transaction.atomic
def withdraw_review(*, document: BoardDecided, acting_user) -> BoardDecided:
    """Take the document back from the board; it becomes an editable draft again."""
    document = _locked(document)
    _check(WITHDRAW_REVIEW, document, acting_user)
    document.status = Status.DRAFT
    return _save(document, acting_user, ["status"])


def unhandled_message(count: int) -> str:
    return ngettext(
        "%(count)s comment of the board is not handled. Tick the box to approve the plan anyway.",
        "%(count)s comments of the board are not handled. Tick the box to approve the plan anyway.",
        count,
    ) % {"count": count}


@transaction.atomic
def record_approval(
    *,
    document: BoardDecided,
    acting_user,
    meeting_date: datetime.date,
    paragraph: str = "",
    dnr: str = "",
    text: str = "",
    unhandled_confirmed: bool = False,
) -> BoardDecided:
    """Record the board's approval: meeting date, minute paragraph (§), file number (dnr).

    While comments of the board are not handled, the approval is recorded only when
    the recorder confirms it (``unhandled_confirmed``): the page says how many are open.

    ``text`` is the approval line as the förbund writes it ("Antagen av
    styrelsen 2021-11-23"); when blank, ``Plan.approval_line`` builds it. An
    approved revision becomes the current version of the document it revises.
    """
    document = _locked(document)
    _check(RECORD_APPROVAL, document, acting_user)
    unhandled = unhandled_count(plan=document) if isinstance(document, Plan) else 0
    if unhandled and not unhandled_confirmed:
        raise ValidationError({"confirm_unhandled": unhandled_message(unhandled)})
    _check_meeting_date(document, meeting_date)
    document.status = Status.APPROVED
    document.approved_on = meeting_date
    document.approval_paragraph = paragraph.strip()
    document.approval_dnr = dnr.strip()
    document.approval_text = text.strip()
    document.sent_back_reason = ""
    document.full_clean()
    _save(
        document,
        acting_user,
        [
            "status",
            "approved_on",
            "approval_paragraph",
            "approval_dnr",
            "approval_text",
            "sent_back_reason",
        ],
    )
    if getattr(document, "revision_of_id", None):
        earlier = Plan.objects.select_for_update().get(pk=document.revision_of_id)
        earlier.superseded_by = document
        earlier._history_user = acting_user
        earlier.save(update_fields=["superseded_by", "updated_at"])
    _archive_after_commit(document)
    signals.decision_recorded.send(
        sender=type(document), document=document, acting_user=acting_user, approved=True
    )
    return document


def _archive_after_commit(document: BoardDecided) -> None:
    """The archived PDFs are made from the document as approved, by a job queued once the
    decision is committed (``tasks.document_approved``: in the worker, or at once with
    the immediate backend). If queueing or rendering fails the decision stands (robust;
    a failed job is only logged) and the first download renders them instead."""
    transaction.on_commit(
        functools.partial(
            tasks.document_approved.enqueue,
            label=document._meta.label,
            pk=document.pk,
            association_id=document.association_id,
        ),
        robust=True,
    )


def _check_meeting_date(document: BoardDecided, meeting_date: datetime.date | None) -> None:
    if meeting_date is None:
        raise ValidationError({"meeting_date": _("Give the date of the board meeting.")})
    if meeting_date > timezone.localdate():
        raise ValidationError({"meeting_date": _("The meeting date cannot be in the future.")})
    earliest = document.earliest_decision_year
    if meeting_date.year < earliest:
        # A plan is approved in the autumn before its first year at the earliest; a
        # report on a year, in that year at the earliest.
        raise ValidationError(
            {
                "meeting_date": str(document.WORKFLOW_WORDS["earliest"])
                % {"year": document.year, "earliest": earliest}
            }
        )


@transaction.atomic
def record_sent_back(*, document: BoardDecided, acting_user, reason: str) -> BoardDecided:
    """Record that the board sent the document back, and why. The kansli can then edit it
    again."""
    document = _locked(document)
    _check(RECORD_SENT_BACK, document, acting_user)
    if not (reason or "").strip():
        raise ValidationError({"reason": str(document.WORKFLOW_WORDS["reason"])})
    document.status = Status.SENT_BACK
    document.sent_back_reason = reason.strip()
    _save(document, acting_user, ["status", "sent_back_reason"])
    signals.decision_recorded.send(
        sender=type(document), document=document, acting_user=acting_user, approved=False
    )
    return document


@transaction.atomic
def start_revision(*, document: Plan, acting_user) -> Plan:
    """A new draft of the same plan, with all its parts and its budget copied.

    The approved plan is only read. The revision links to it (``revision_of``)
    and replaces it as the current version once the board approves it.
    """
    from .services import copy_plan_parts

    plan = _locked(document)
    _check(START_REVISION, plan, acting_user)
    revision = Plan(
        association_id=plan.association_id,
        year=plan.year,
        end_year=plan.end_year,
        title=plan.title,
        revision_of=plan,
    )
    revision.full_clean()
    revision._history_user = acting_user
    revision.save()
    copy_plan_parts(source=plan, target=revision, acting_user=acting_user)
    extensions.plan_copied(source=plan, target=revision, acting_user=acting_user)
    return revision

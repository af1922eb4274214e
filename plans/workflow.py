"""The board's review of a plan: one small state machine.

    draft ──send_for_review──▶ review ──record_approval──▶ approved ──start_revision──▶ (new draft)
      ▲                         │  │
      └────withdraw_review──────┘  └──record_sent_back──▶ sent_back ──send_for_review──▶ review

Every transition checks the acting user's role (``plans.rules``) and the plan's
current state, and refuses with a ValidationError whose message the user reads.
A plan on review or approved is frozen (``services.ensure_editable`` and the
guard in ``freezing``). Approving a revision makes it the current version: the
plan it revises gets ``superseded_by`` and stays readable. Approving also stores the
plan's PDF and PDF/A as they are at the decision (``documents.plan_document``, which
registers for it in ``plans.extensions``).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from associations.rules import can

from . import extensions
from .comments import unhandled_count
from .models import Plan

Status = Plan.Status


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


def refusal(transition: Transition, *, plan: Plan, user) -> str | None:
    """Why ``user`` may not make ``transition`` on ``plan`` now, or None if they may."""
    if not can(user, transition.rule, plan):
        return _("Your role does not allow you to %(action)s.") % {"action": transition.action}
    if plan.status not in transition.sources:
        return _("The plan is %(status)s, so you cannot %(action)s.") % {
            "status": plan.get_status_display().lower(),
            "action": transition.action,
        }
    if transition is START_REVISION:
        if not plan.is_current:
            return _("A later version has replaced this plan; revise the current version.")
        if plan.revisions.exclude(status=Status.APPROVED).exists():
            return _("A revision of this plan is already being prepared.")
    return None


def available(*, plan: Plan, user) -> set[str]:
    """The names of the transitions ``user`` may make on ``plan`` now (for the buttons)."""
    return {name for name, t in TRANSITIONS.items() if refusal(t, plan=plan, user=user) is None}


def _locked(plan: Plan) -> Plan:
    """The plan as stored, its row locked until the transaction ends (two clicks, one decision)."""
    return Plan.objects.select_for_update().get(pk=plan.pk)


def _check(transition: Transition, plan: Plan, user) -> None:
    message = refusal(transition, plan=plan, user=user)
    if message:
        raise ValidationError(message, code="transition")


def _save(plan: Plan, acting_user, fields: list[str]) -> Plan:
    plan._history_user = acting_user
    plan.version += 1  # the row is locked (``_locked``): no lost update
    plan.save(update_fields=[*fields, "version", "updated_at"])
    return plan


@transaction.atomic
def send_for_review(*, plan: Plan, acting_user, deadline: datetime.date, message: str = "") -> Plan:
    """Send a draft (or a plan the board sent back) to the board. Freezes it."""
    plan = _locked(plan)
    _check(SEND_FOR_REVIEW, plan, acting_user)
    if deadline is None:
        raise ValidationError({"deadline": _("Give the date the board's comments are due.")})
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    plan.status = Status.REVIEW
    plan.review_deadline = deadline
    plan.review_message = message.strip()
    return _save(plan, acting_user, ["status", "review_deadline", "review_message"])


@transaction.atomic
def withdraw_review(*, plan: Plan, acting_user) -> Plan:
    """Take the plan back from the board; it becomes an editable draft again."""
    plan = _locked(plan)
    _check(WITHDRAW_REVIEW, plan, acting_user)
    plan.status = Status.DRAFT
    return _save(plan, acting_user, ["status"])


def unhandled_message(count: int) -> str:
    return ngettext(
        "%(count)s comment of the board is not handled. Tick the box to approve the plan anyway.",
        "%(count)s comments of the board are not handled. Tick the box to approve the plan anyway.",
        count,
    ) % {"count": count}


@transaction.atomic
def record_approval(
    *,
    plan: Plan,
    acting_user,
    meeting_date: datetime.date,
    paragraph: str = "",
    dnr: str = "",
    text: str = "",
    unhandled_confirmed: bool = False,
) -> Plan:
    """Record the board's approval: meeting date, minute paragraph (§), file number (dnr).

    While comments of the board are not handled, the approval is recorded only when
    the recorder confirms it (``unhandled_confirmed``): the page says how many are open.

    ``text`` is the approval line as the förbund writes it ("Antagen av
    styrelsen 2021-11-23"); when blank, ``Plan.approval_line`` builds it. An
    approved revision becomes the current version of the plan it revises.
    """
    plan = _locked(plan)
    _check(RECORD_APPROVAL, plan, acting_user)
    unhandled = unhandled_count(plan=plan)
    if unhandled and not unhandled_confirmed:
        raise ValidationError({"confirm_unhandled": unhandled_message(unhandled)})
    _check_meeting_date(plan, meeting_date)
    plan.status = Status.APPROVED
    plan.approved_on = meeting_date
    plan.approval_paragraph = paragraph.strip()
    plan.approval_dnr = dnr.strip()
    plan.approval_text = text.strip()
    plan.sent_back_reason = ""
    plan.full_clean()
    _save(
        plan,
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
    if plan.revision_of_id:
        earlier = Plan.objects.select_for_update().get(pk=plan.revision_of_id)
        earlier.superseded_by = plan
        earlier._history_user = acting_user
        earlier.save(update_fields=["superseded_by", "updated_at"])
    # The archived PDFs are made from the plan as approved, after the decision is
    # committed; if rendering fails the decision stands (robust) and the first
    # download renders them instead.
    transaction.on_commit(lambda: extensions.plan_approved(plan=plan), robust=True)
    return plan


def _check_meeting_date(plan: Plan, meeting_date: datetime.date | None) -> None:
    if meeting_date is None:
        raise ValidationError({"meeting_date": _("Give the date of the board meeting.")})
    if meeting_date > timezone.localdate():
        raise ValidationError({"meeting_date": _("The meeting date cannot be in the future.")})
    if meeting_date.year < plan.year - 1:
        # A plan is approved in the autumn before its first year at the earliest.
        raise ValidationError(
            {
                "meeting_date": _(
                    "A plan for %(year)s is approved in %(earliest)s or later: check the year."
                )
                % {"year": plan.year, "earliest": plan.year - 1}
            }
        )


@transaction.atomic
def record_sent_back(*, plan: Plan, acting_user, reason: str) -> Plan:
    """Record that the board sent the plan back, and why. The kansli can then edit it again."""
    plan = _locked(plan)
    _check(RECORD_SENT_BACK, plan, acting_user)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the board sent the plan back.")})
    plan.status = Status.SENT_BACK
    plan.sent_back_reason = reason.strip()
    return _save(plan, acting_user, ["status", "sent_back_reason"])


@transaction.atomic
def start_revision(*, plan: Plan, acting_user) -> Plan:
    """A new draft of the same plan, with all its parts and its budget copied.

    The approved plan is only read. The revision links to it (``revision_of``)
    and replaces it as the current version once the board approves it.
    """
    from .services import copy_plan_parts

    plan = _locked(plan)
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

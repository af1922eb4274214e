"""The life of a quarterly report: draft → submitted → approved, or returned for revision.

Plain data in, plain data out: ``transition(action, status=..., actor=...)``
gives the new status or raises. ``actor`` is ``"kansli"``, ``"leader"`` (a
projektledare who leads the intervention) or None. Every transition checks both
who asks and the state the report is in:

=========  =====================  ===========  =================
action     from                   to           who
=========  =====================  ===========  =================
edit       draft, returned        (unchanged)  leader, kansli
edit       submitted              (unchanged)  kansli
submit     draft, returned        submitted    leader, kansli
approve    submitted              approved     kansli
return     submitted              returned     kansli
reopen     approved               submitted    kansli
=========  =====================  ===========  =================

An approved quarter is locked: only the kansli reopening it (with a reason,
recorded in the history) makes it editable again.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

DRAFT, SUBMITTED, APPROVED, RETURNED = "draft", "submitted", "approved", "returned"
KANSLI, PROJECT_LEADER = "kansli", "leader"

EDIT, SUBMIT, APPROVE, RETURN, REOPEN = "edit", "submit", "approve", "return", "reopen"


@dataclass(frozen=True)
class Rule:
    sources: dict  # status -> actors allowed from that status
    target: str | None  # None: the status stays
    needs_reason: bool = False


RULES = {
    EDIT: Rule(
        {DRAFT: {PROJECT_LEADER, KANSLI}, RETURNED: {PROJECT_LEADER, KANSLI}, SUBMITTED: {KANSLI}},
        None,
    ),
    SUBMIT: Rule({DRAFT: {PROJECT_LEADER, KANSLI}, RETURNED: {PROJECT_LEADER, KANSLI}}, SUBMITTED),
    APPROVE: Rule({SUBMITTED: {KANSLI}}, APPROVED),
    RETURN: Rule({SUBMITTED: {KANSLI}}, RETURNED, needs_reason=True),
    REOPEN: Rule({APPROVED: {KANSLI}}, SUBMITTED, needs_reason=True),
}


def may_act(action: str, *, actor: str | None) -> bool:
    """Whether ``actor`` takes part in ``action`` at all (from some status)."""
    return any(actor in actors for actors in RULES[action].sources.values())


def allowed(action: str, *, status: str, actor: str | None) -> bool:
    return actor in RULES[action].sources.get(status, set())


def transition(action: str, *, status: str, actor: str | None, reason: str = "") -> str:
    """The status after ``action``; PermissionDenied for the wrong person,
    ValidationError for the wrong state or a missing reason."""
    rule = RULES[action]
    if not may_act(action, actor=actor):
        raise PermissionDenied
    if status not in rule.sources:
        raise ValidationError(state_message(action, status))
    if actor not in rule.sources[status]:
        if status == SUBMITTED and action == EDIT:
            raise ValidationError(
                _("The quarter has been submitted. Only the kansli can change it now.")
            )
        raise PermissionDenied
    if rule.needs_reason and not reason.strip():
        raise ValidationError({"reason": _("Write a reason.")})
    return rule.target or status


def state_message(action: str, status: str) -> str:
    if status == APPROVED:
        return _("The quarter is approved and locked. The kansli can reopen it to change it.")
    messages = {
        SUBMIT: _("Only a draft or a returned quarter can be submitted."),
        APPROVE: _("Only a submitted quarter can be approved."),
        RETURN: _("Only a submitted quarter can be returned."),
        REOPEN: _("Only an approved quarter can be reopened."),
    }
    return messages.get(action, _("The quarter cannot be changed in its present state."))


def available_actions(*, status: str, actor: str | None) -> list[str]:
    """The transitions (not ``edit``) that ``actor`` may take from ``status``: for the buttons."""
    return [
        action
        for action in (SUBMIT, APPROVE, RETURN, REOPEN)
        if allowed(action, status=status, actor=actor)
    ]

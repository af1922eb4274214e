"""The quarter's state machine: every transition checks who asks and the state."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from followup import workflow as w


@pytest.mark.parametrize(
    ("action", "status", "actor", "after"),
    [
        (w.SUBMIT, w.DRAFT, w.PROJECT_LEADER, w.SUBMITTED),
        (w.SUBMIT, w.RETURNED, w.PROJECT_LEADER, w.SUBMITTED),
        (w.SUBMIT, w.DRAFT, w.KANSLI, w.SUBMITTED),
        (w.APPROVE, w.SUBMITTED, w.KANSLI, w.APPROVED),
        (w.RETURN, w.SUBMITTED, w.KANSLI, w.RETURNED),
        (w.REOPEN, w.APPROVED, w.KANSLI, w.SUBMITTED),
        (w.EDIT, w.DRAFT, w.PROJECT_LEADER, w.DRAFT),
        (w.EDIT, w.SUBMITTED, w.KANSLI, w.SUBMITTED),
    ],
)
def test_allowed_transitions(action, status, actor, after):
    assert w.transition(action, status=status, actor=actor, reason="Skäl") == after


@pytest.mark.parametrize(
    ("action", "status", "actor"),
    [
        (w.APPROVE, w.SUBMITTED, w.PROJECT_LEADER),
        (w.RETURN, w.SUBMITTED, w.PROJECT_LEADER),
        (w.REOPEN, w.APPROVED, w.PROJECT_LEADER),
        (w.SUBMIT, w.DRAFT, None),
        (w.EDIT, w.DRAFT, None),
        (w.EDIT, w.APPROVED, w.PROJECT_LEADER),
    ],
)
def test_the_wrong_person_is_refused(action, status, actor):
    with pytest.raises((PermissionDenied, ValidationError)):
        w.transition(action, status=status, actor=actor, reason="Skäl")


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (w.APPROVE, w.DRAFT),
        (w.APPROVE, w.APPROVED),
        (w.RETURN, w.APPROVED),
        (w.SUBMIT, w.SUBMITTED),
        (w.SUBMIT, w.APPROVED),
        (w.REOPEN, w.SUBMITTED),
        (w.EDIT, w.APPROVED),
    ],
)
def test_the_wrong_state_is_refused_with_a_message(action, status):
    with pytest.raises(ValidationError) as error:
        w.transition(action, status=status, actor=w.KANSLI, reason="Skäl")
    assert error.value.messages


def test_an_approved_quarter_is_locked_even_for_the_kansli():
    with pytest.raises(ValidationError) as error:
        w.transition(w.EDIT, status=w.APPROVED, actor=w.KANSLI)
    assert error.value.messages == [w.state_message(w.EDIT, w.APPROVED)]


def test_a_submitted_quarter_is_the_kanslis_to_change():
    # A message, not a bare 403: the projektledare may read the quarter but not change it.
    with pytest.raises(ValidationError):
        w.transition(w.EDIT, status=w.SUBMITTED, actor=w.PROJECT_LEADER)


@pytest.mark.parametrize("action", [w.RETURN, w.REOPEN])
def test_returning_and_reopening_need_a_reason(action):
    status = w.SUBMITTED if action == w.RETURN else w.APPROVED
    with pytest.raises(ValidationError) as error:
        w.transition(action, status=status, actor=w.KANSLI, reason="  ")
    assert "reason" in error.value.message_dict


def test_buttons_follow_the_rules():
    assert w.available_actions(status=w.SUBMITTED, actor=w.KANSLI) == [w.APPROVE, w.RETURN]
    assert w.available_actions(status=w.SUBMITTED, actor=w.PROJECT_LEADER) == []
    assert w.available_actions(status=w.RETURNED, actor=w.PROJECT_LEADER) == [w.SUBMIT]
    assert w.available_actions(status=w.APPROVED, actor=w.KANSLI) == [w.REOPEN]

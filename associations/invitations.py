"""Invitations: a role in a förbund offered to an e-mail address, given only when the
person accepts it, logged in as themselves.

- ``invitation_send``: the kansli types an address, names and a role. Nothing is looked
  up about an account with that address, and nothing is given: the förbund sees the
  address it typed and the state (``Invitation.shown_state``).
- ``invitation_resend`` sends a new link (the old one stops working) and gives it
  ``Invitation.VALID_DAYS`` days again; ``invitation_revoke`` withdraws it.
- ``invitation_accept``: the person, logged in with an account whose e-mail is the
  invited address, accepts; the membership is made then. ``invitation_accept_new_account``
  makes that account first, with the password they choose (or gives one to an account
  with that address that never had one).

Each write runs in one transaction and sends ``associations.signals.invitation_changed``
inside it; the mail goes through the outbox when it commits. Counted against the
förbund's invitations of the day (``finsam.ratelimit``).
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from finsam import ratelimit

from . import outbox, signals
from .models import Association, Invitation, Membership, OutgoingMail, User

log = logging.getLogger(__name__)


@dataclass
class Sending:
    """What a send did: ``mail_sent`` is None until the transaction has committed and the
    mail was tried, then whether it went out."""

    invitation: Invitation
    mail_sent: bool | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link names, in any förbund (the link is outside them), or None."""
    if not token or len(token) > 100:
        return None
    with scopes_disabled():
        return (
            Invitation.objects.select_related("association")
            .filter(token_hash=token_hash(token))
            .first()
        )


def _limit_check(association: Association) -> None:
    limit = ratelimit.INVITATIONS_PER_ASSOCIATION
    if limit.exceeded(association.pk):
        raise ValidationError(
            _(
                "The förbund has sent %(limit)s invitations in the last day, which is the "
                "most allowed. Try again tomorrow."
            )
            % {"limit": limit.limit}
        )


def invitation_send(
    *,
    association: Association,
    acting_user,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    base_url: str,
) -> Sending:
    """Invite ``email`` to ``role`` in ``association``. Refused when a user of the förbund
    has that address (the kansli sees its users anyway), when an invitation to it is
    waiting (send that one again), or when the förbund has used up its invitations for
    the day."""
    _limit_check(association)
    email = User.objects.normalize_email(email.strip())
    if Membership.objects.filter(association=association, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("This e-mail address already belongs to a user of this förbund.")}
        )
    now = timezone.now()
    waiting = Invitation.objects.filter(
        association=association, email__iexact=email, state=Invitation.State.PENDING
    ).first()
    if waiting is not None and now < waiting.expires_at:
        raise ValidationError(
            {
                "email": _(
                    "This address already has an invitation waiting: send it again from "
                    "the list of invitations instead."
                )
            }
        )
    with transaction.atomic():
        if waiting is not None:  # expired: this one takes its place
            waiting.state = Invitation.State.REVOKED
            waiting.closed_at = now
            waiting.save(update_fields=["state", "closed_at"])
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            association=association,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            role=role,
            invited_by=acting_user,
            sent_at=now,
            token_hash=token_hash(token),
        )
        invitation.full_clean(exclude=["token_hash"])
        invitation.save()
        sending = Sending(invitation)
        _mail_on_commit(sending, token=token, acting_user=acting_user, base_url=base_url)
        signals.invitation_changed.send(
            Invitation, invitation=invitation, acting_user=acting_user, change="sent"
        )
    return sending


def invitation_resend(*, invitation: Invitation, acting_user, base_url: str) -> Sending:
    """A new link for a waiting or expired invitation, valid ``VALID_DAYS`` days again."""
    if invitation.state != Invitation.State.PENDING:
        raise ValidationError(
            _("Only an invitation that has not been accepted or revoked can be sent again.")
        )
    _limit_check(invitation.association)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation.token_hash = token_hash(token)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["token_hash", "sent_at"])
        sending = Sending(invitation)
        _mail_on_commit(sending, token=token, acting_user=acting_user, base_url=base_url)
        signals.invitation_changed.send(
            Invitation, invitation=invitation, acting_user=acting_user, change="resent"
        )
    return sending


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, acting_user) -> None:
    if invitation.state != Invitation.State.PENDING:
        raise ValidationError(_("Only an invitation that has not been accepted can be revoked."))
    invitation.state = Invitation.State.REVOKED
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["state", "closed_at"])
    signals.invitation_changed.send(
        Invitation, invitation=invitation, acting_user=acting_user, change="revoked"
    )


def refusal(invitation: Invitation, user=None) -> str:
    """Why ``user`` (or anyone, without one) cannot accept the invitation now; "" if they can."""
    state = invitation.shown_state(timezone.now())
    if state == Invitation.State.ACCEPTED:
        return _("This invitation has already been accepted.")
    if state == Invitation.State.REVOKED:
        return _("This invitation has been withdrawn by the förbund.")
    if state == Invitation.State.EXPIRED:
        return _("This invitation has expired. Ask the kansli of the förbund to send it again.")
    if user is not None and user.email.lower() != invitation.email.lower():
        return _(
            "This invitation was sent to another e-mail address than your account's. Log "
            "out and log in with the account of the address the invitation was sent to, or "
            "ask the kansli to invite your account's address."
        )
    return ""


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Give ``user`` the invited role; refused unless ``refusal`` is empty. A user who is a
    member already keeps their role, and the invitation is accepted."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    reason = refusal(invitation, user)
    if reason:
        raise ValidationError(reason)
    membership = Membership.objects.filter(association=invitation.association, user=user).first()
    if membership is None:
        membership = Membership(association=invitation.association, user=user, role=invitation.role)
        membership.full_clean()
        membership.save()
    invitation.state = Invitation.State.ACCEPTED
    invitation.accepted_by = user
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["state", "accepted_by", "closed_at"])
    signals.invitation_changed.send(
        Invitation, invitation=invitation, acting_user=user, change="accepted"
    )
    return membership


@transaction.atomic
def invitation_accept_new_account(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> User:
    """Make the account of the invited address with ``password`` and accept. An account
    of that address that never had a password (invited before invitations had to be
    accepted) is given this one; an account that has one must log in instead."""
    reason = refusal(invitation)
    if reason:
        raise ValidationError(reason)
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and user.has_usable_password():
        raise ValidationError(
            _("There is already an account with this address: log in to accept the invitation.")
        )
    if user is None:
        user = User(username=_unique_username(invitation.email), email=invitation.email)
    user.first_name, user.last_name = first_name.strip(), last_name.strip()
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # the same address made an account a moment ago
        raise ValidationError(
            _("There is already an account with this address: log in to accept the invitation.")
        ) from error
    invitation_accept(invitation=invitation, user=user)
    return user


def _unique_username(email: str) -> str:
    base = email.lower()[:140]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _mail_on_commit(sending: Sending, *, token: str, acting_user, base_url: str) -> None:
    """Put the invitation mail in the outbox; once the transaction commits,
    ``sending.mail_sent`` says whether the runner has sent it (None while a worker has not
    tried yet)."""
    invitation = sending.invitation
    association = invitation.association
    context = {
        "association": association,
        "invitation": invitation,
        "inviter": acting_user,
        "accept_url": base_url + reverse("invitation_accept", kwargs={"token": token}),
        "days": Invitation.VALID_DAYS,
    }
    subject = _("You are invited to %(association)s") % {"association": association}
    body = render_to_string("associations/email/invitation.txt", context)
    mail = outbox.queue_mail(
        to=[invitation.email],
        subject=subject,
        body=body,
        association=association,
        kind="invitation",
    )

    def sent():
        ratelimit.INVITATIONS_PER_ASSOCIATION.hit(association.pk)
        if mail is None:  # muted
            return
        mail.refresh_from_db(fields=["status", "attempts"])
        if mail.status == OutgoingMail.Status.SENT:
            sending.mail_sent = True
        elif mail.attempts:
            # Whatever the mail server or backend raised: the invitation stands, the kansli
            # is told and can send it again; the outbox also tries again later.
            log.warning("invitation mail not sent (invitation %s)", invitation.pk)
            sending.mail_sent = False

    transaction.on_commit(sent)

"""Writes for the associations app.

Each service takes keyword-only arguments with the acting user, validates with
``full_clean()`` and runs in one transaction, so a refused write leaves
nothing half-done.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from finsam import ratelimit

from . import outbox, signals
from .models import Association, Membership, OutgoingMail, Role, User

log = logging.getLogger(__name__)


def _ensure_same_association(*, association: Association, instance) -> None:
    if instance.association_id not in (None, association.pk):
        # Never reached through the views (they fetch within the scope); a guard for callers.
        raise ValidationError(_("This object belongs to another förbund."))


@transaction.atomic
def association_object_save(*, association: Association, instance, acting_user):
    """Create or update a record owned by ``association`` (party, board seat, contact)."""
    _ensure_same_association(association=association, instance=instance)
    instance.association = association
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def association_object_delete(*, association: Association, instance, acting_user) -> None:
    _ensure_same_association(association=association, instance=instance)
    instance.delete()


@transaction.atomic
def association_update(*, association: Association, acting_user, fields: list[str]):
    association.full_clean()
    association.save(update_fields=fields)
    return association


def _kansli_count(association: Association) -> int:
    return Membership.objects.filter(association=association, role=Role.KANSLI).count()


@dataclass
class Invitation:
    """What ``membership_invite`` did. ``mail_sent`` is None until the transaction has
    committed and the mail was tried, then whether it went out."""

    membership: Membership
    mail_sent: bool | None = None


def _invitation_limit_check(association: Association) -> None:
    limit = ratelimit.INVITATIONS_PER_ASSOCIATION
    if limit.exceeded(association.pk):
        raise ValidationError(
            _(
                "The förbund has sent %(limit)s invitations in the last day, which is the "
                "most allowed. Try again tomorrow."
            )
            % {"limit": limit.limit}
        )


def membership_invite(
    *,
    association: Association,
    acting_user,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    base_url: str,
) -> Invitation:
    """Give the person with ``email`` a role in ``association``.

    A new person gets an account without a password and an e-mail with a link
    to choose one. An existing account (found by e-mail, case-insensitive) is
    given the membership and told by e-mail. Refused if the person already
    has a role in this förbund, or if the förbund has used up its invitations for
    the day (``finsam.ratelimit``).

    The account and membership are written in one transaction and the mail is sent
    when it commits. A mail that cannot be sent leaves them in place
    (``Invitation.mail_sent`` is False) and ``membership_invitation_resend`` sends it
    again.
    """
    _invitation_limit_check(association)
    with transaction.atomic():
        email = User.objects.normalize_email(email.strip())
        user = User.objects.filter(email__iexact=email).first()
        if (
            user is not None
            and Membership.objects.filter(association=association, user=user).exists()
        ):
            raise ValidationError(
                {"email": _("This e-mail address already belongs to a user of this förbund.")}
            )
        created = user is None
        if created:
            user = User(
                username=_unique_username(email),
                email=email,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
            user.set_unusable_password()
            user.full_clean()
            user.save()

        membership = Membership(association=association, user=user, role=role)
        membership.full_clean()
        membership.save()
        invitation = Invitation(membership=membership)
        _send_invitation_on_commit(
            invitation, acting_user=acting_user, new=created, base_url=base_url
        )
    return invitation


def membership_invitation_resend(*, membership: Membership, acting_user, base_url: str) -> bool:
    """Send the invitation again to a user who has not chosen a password yet (the first
    mail failed or was lost), with a new link to choose one. Returns whether the mail
    went out. Counts towards the förbund's invitations of the day."""
    if membership.user.has_usable_password():
        raise ValidationError(_("This user has already chosen a password."))
    _invitation_limit_check(membership.association)
    invitation = Invitation(membership=membership)
    with transaction.atomic():
        _send_invitation_on_commit(invitation, acting_user=acting_user, new=True, base_url=base_url)
    return bool(invitation.mail_sent)


def _unique_username(email: str) -> str:
    base = email.lower()[:140]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _send_invitation_on_commit(
    invitation: Invitation, *, acting_user, new: bool, base_url: str
) -> None:
    """Put the invitation in the outbox (``associations.outbox``); once the transaction
    commits, ``invitation.mail_sent`` says whether the runner has sent it (None while a
    worker has not yet tried)."""
    membership = invitation.membership
    association, user = membership.association, membership.user
    context = {
        "association": association,
        "user": user,
        "inviter": acting_user,
        "new": new,
        "login_url": base_url + reverse("login"),
        # Resolved by name: the page is the notifications app's, above this one.
        "preferences_url": base_url + reverse("notifications:preferences"),
    }
    if new:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        context["set_password_url"] = base_url + reverse(
            "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
        )
    subject = _("You have been given access to %(association)s") % {"association": association}
    body = render_to_string("associations/email/invitation.txt", context)
    mail = outbox.queue_mail(
        to=[user.email], subject=subject, body=body, association=association, kind="invitation"
    )

    def sent():
        ratelimit.INVITATIONS_PER_ASSOCIATION.hit(association.pk)
        if mail is None:  # muted
            return
        mail.refresh_from_db(fields=["status", "attempts"])
        if mail.status == OutgoingMail.Status.SENT:
            invitation.mail_sent = True
        elif mail.attempts:
            # Whatever the mail server or backend raised: the membership stands, the
            # kansli is told and can send again; the outbox also tries again later.
            log.warning("invitation mail not sent (membership %s)", membership.pk)
            invitation.mail_sent = False

    transaction.on_commit(sent)


@transaction.atomic
def membership_change_role(*, membership: Membership, acting_user, role: str) -> Membership:
    """Change a user's role; the förbund always keeps at least one kansli user."""
    if (
        membership.role == Role.KANSLI
        and role != Role.KANSLI
        and _kansli_count(membership.association) <= 1
    ):
        raise ValidationError({"role": _("The förbund must keep at least one kansli user.")})
    before = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    if before != role:
        signals.membership_changed.send(
            sender=Membership,
            membership=membership,
            acting_user=acting_user,
            change="role",
            before=before,
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, acting_user) -> None:
    """Remove a user from the förbund (the account stays; other förbund are untouched)."""
    if membership.user_id == acting_user.pk:
        raise ValidationError(_("You cannot remove yourself from the förbund."))
    if membership.role == Role.KANSLI and _kansli_count(membership.association) <= 1:
        raise ValidationError(_("The förbund must keep at least one kansli user."))
    membership.delete()
    signals.membership_changed.send(
        sender=Membership,
        membership=membership,
        acting_user=acting_user,
        change="removed",
        before=membership.role,
    )

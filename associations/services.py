"""Writes for the associations app.

Each service takes keyword-only arguments with the acting user, validates with
``full_clean()`` and runs in one transaction, so a refused write leaves
nothing half-done.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import signals, two_factor
from .models import Association, Membership, Role


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


def association_export_recorded(*, association: Association) -> None:
    """The förbund's whole data was exported now ("Exportera all data")."""
    Association.objects.filter(pk=association.pk).update(exported_at=timezone.now())
    association.refresh_from_db(fields=["exported_at"])


@transaction.atomic
def association_update(*, association: Association, acting_user, fields: list[str]):
    """Save the förbund's details. Requiring two-factor login needs it on the acting
    kansli user's own account first (or they would be sent to set it up mid-change)."""
    required_before = (
        Association.objects.filter(pk=association.pk)
        .values_list("require_two_factor", flat=True)
        .first()
    )
    if (
        association.require_two_factor
        and not required_before
        and two_factor.device_of(acting_user) is None
    ):
        raise ValidationError(
            {
                "require_two_factor": _(
                    "Turn on two-factor login for your own account first (Tvåstegsverifiering "
                    "in the top bar)."
                )
            }
        )
    association.full_clean()
    association.save(update_fields=fields)
    if required_before is not None and required_before != association.require_two_factor:
        signals.two_factor_changed.send(
            Association,
            user=None,
            acting_user=acting_user,
            change="required" if association.require_two_factor else "not_required",
            association=association,
        )
    return association


def _kansli_count(association: Association) -> int:
    return Membership.objects.filter(association=association, role=Role.KANSLI).count()


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

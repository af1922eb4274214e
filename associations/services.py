"""Writes for the associations app.

Each service takes keyword-only arguments with the acting user, validates with
``full_clean()`` and runs in one transaction, so a refused write leaves
nothing half-done.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models.deletion import Collector, ProtectedError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from finsam.content_hash import association_paths

from . import signals, two_factor
from .models import Association, Membership, Role, User


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


def association_removal_refusal(*, association: Association) -> str | None:
    """Why the förbund cannot be removed now, or None. It must have been exported
    ("Exportera all data") first: the removal cannot be undone, the export is what is left."""
    if association.exported_at is None:
        return _(
            "%(name)s has never been exported. The kansli downloads the whole förbund's data "
            '(Förbundet, "Exportera all data") before it can be removed.'
        ) % {"name": association.name}
    return None


def association_exported_since(*, association: Association) -> str:
    """ "Exported on …", for the confirmation: what changed after it is not in the export."""
    when = timezone.localtime(association.exported_at)
    return _("Last exported %(when)s. Changes made after that are not in the export.") % {
        "when": formats.date_format(when, "DATETIME_FORMAT")
    }


def _members_left_without_membership(association: Association):
    """The förbund's members who are a member of no other förbund (staff excluded)."""
    others = Membership.objects.exclude(association=association).values("user_id")
    return (
        User.objects.filter(memberships__association=association, is_staff=False)
        .filter(is_superuser=False)
        .exclude(pk__in=others)
        .distinct()
        .order_by("pk")
    )


def association_removal_leaves_without_membership(*, association: Association) -> int:
    """How many users removing the förbund would deactivate."""
    with scopes_disabled():
        return _members_left_without_membership(association).count()


@dataclass(frozen=True)
class AssociationRemoval:
    """What ``association_remove`` did: rows deleted by model label, users deactivated."""

    name: str
    deleted: dict[str, int]
    deactivated: list[int]


def _association_of(obj, paths: dict[str, str]) -> int | None:
    label = obj._meta.label
    if label not in paths:
        return None
    lookup = f"{paths[label]}_id"
    return type(obj)._base_manager.filter(pk=obj.pk).values_list(lookup, flat=True).first()


def _delete_as_the_forbunds_removal(objs: list, association: Association, paths) -> Counter:
    """Delete ``objs`` (of one model) and what cascades from them, with the förbund as the
    deletion's origin, so that the frozen-plan guards let it through
    (``plans.freezing._removing_the_forbund``) and nothing else does.

    ``on_delete=PROTECT`` keeps a row that a plan or report still names from being
    deleted alone (a member party, an intervention, a plan with reports); Django refuses
    it even when the row that names it would go in the same cascade. So what protects is
    deleted first, the same way, and then ``objs`` again. Every protected row must be the
    förbund's own: a row of another förbund is never deleted, the removal is refused."""
    deleted = Counter()
    for _attempt in range(50):
        collector = Collector(using=router.db_for_write(type(objs[0])), origin=association)
        try:
            collector.collect(objs)
        except ProtectedError as error:
            by_model = defaultdict(list)
            for protected in error.protected_objects:
                if _association_of(protected, paths) != association.pk:
                    raise ValidationError(
                        _("%(object)s of another förbund depends on this förbund.")
                        % {"object": protected._meta.verbose_name}
                    ) from error
                by_model[type(protected)].append(protected)
            for protected_objs in by_model.values():
                deleted.update(_delete_as_the_forbunds_removal(protected_objs, association, paths))
            continue
        _total, by_label = collector.delete()
        deleted.update(by_label)
        return deleted
    raise RuntimeError("The förbund's rows protect each other in a cycle.")


def _history_models():
    return [m for m in apps.get_models() if m._meta.label.split(".")[1].startswith("Historical")]


@transaction.atomic
def association_remove(
    *, association: Association, acting_user, confirmation: str
) -> AssociationRemoval:
    """Remove the förbund and everything of it, in one transaction.

    Refused unless it has been exported (``association_removal_refusal``) and
    ``confirmation`` is its slug, typed by the platform administrator. Its rows go through
    Django's cascade from the ``Association``: the frozen-plan guards let exactly that
    cascade through (``plans.freezing._removing_the_forbund``), nothing else. Its history
    rows (simple_history, whose keys are not constrained) go too. Its Händelselogg events
    stay, with no förbund (``on_delete=SET_NULL``). Then every user who was a member and
    is now a member nowhere is deactivated, their name and e-mail address cleared and
    their username replaced by ``removed-<pk>``; a platform administrator (staff) keeps
    their account as it is. Sends ``signals.association_removed`` (the Händelselogg
    records the removal, with no förbund)."""
    with scopes_disabled():  # the stored row, locked: the refusals read what is decided on
        association = Association.objects.select_for_update().get(pk=association.pk)
    refusal = association_removal_refusal(association=association)
    if refusal:
        raise ValidationError(refusal, code="not_exported")
    if confirmation.strip() != association.slug:
        raise ValidationError(
            _("Type the förbund's short address (%(slug)s) to confirm.")
            % {"slug": association.slug},
            code="confirmation",
        )
    with scopes_disabled():
        pk, name = association.pk, association.name
        leaving = list(_members_left_without_membership(association))
        deleted = _delete_as_the_forbunds_removal([association], association, association_paths())
        for model in _history_models():
            if any(f.name == "association" for f in model._meta.concrete_fields):
                _count, by_history = model._base_manager.filter(association_id=pk).delete()
                deleted.update(by_history)
        for user in leaving:
            user.is_active = False
            user.first_name = user.last_name = user.email = ""
            user.username = f"removed-{user.pk}"
            user.set_unusable_password()
            user.save(
                update_fields=[
                    "is_active",
                    "first_name",
                    "last_name",
                    "email",
                    "username",
                    "password",
                ]
            )
    signals.association_removed.send(
        sender=Association,
        name=name,
        slug=association.slug,
        acting_user=acting_user,
        deactivated=len(leaving),
    )
    return AssociationRemoval(
        name=name, deleted=dict(deleted), deactivated=[user.pk for user in leaving]
    )


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

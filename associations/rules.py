"""Who may do what in a förbund: the single source of the role rules.

Predicates take ``(user, target)`` where the target is an ``Association`` or
any object with an ``association_id``. Views ask through ``can(user, name,
target)`` and templates through ``{% test_rule name user target as ok %}``;
nothing else decides access. These are rules, not Django permissions, on
purpose: Django lets a superuser pass every ``has_perm`` check, but inside a
förbund only the role counts.
"""

import rules

from .models import Association, Role
from .selectors import roles_by_association


def association_id_of(target) -> int | None:
    if target is None:
        return None
    if isinstance(target, Association):
        return target.pk
    return getattr(target, "association_id", None)


def role_in(user, target) -> str | None:
    """The user's role in the förbund that ``target`` belongs to, or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    association_id = association_id_of(target)
    if association_id is None:
        return None
    return roles_by_association(user=user).get(association_id)


@rules.predicate
def is_member(user, target):
    return role_in(user, target) is not None


@rules.predicate
def is_kansli(user, target):
    return role_in(user, target) == Role.KANSLI


@rules.predicate
def is_board_member(user, target):
    return role_in(user, target) == Role.BOARD_MEMBER


@rules.predicate
def is_project_leader(user, target):
    return role_in(user, target) == Role.PROJECT_LEADER


@rules.predicate
def is_auditor(user, target):
    return role_in(user, target) == Role.AUDITOR


def can(user, rule: str, target) -> bool:
    return rules.test_rule(rule, user, target)


# Reading the förbund's own pages: every role.
rules.add_rule("associations.view_association", is_member)
# Editing the förbund's details, parties, board and kansli contacts: kansli only.
rules.add_rule("associations.manage_association", is_kansli)
# Inviting, changing and removing users of the förbund: kansli only.
rules.add_rule("associations.manage_memberships", is_kansli)

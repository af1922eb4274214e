"""What the Händelselogg records, from the signals of the apps below and of Django and
django-axes. Connected in ``AuditConfig.ready()``; a receiver of a signal sent in the
event's transaction writes in it (kept or rolled back with the event).

A login, a failed login and a lockout are written once per förbund the user is a member
of (so that each kansli sees its own users' logins); with an unknown username, once
with no förbund (the platform administrator's).
"""

from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from associations.models import Role, User
from finsam.downloads import PDF
from finsam.ratelimit import client_address
from notifications.events import document_path

from .models import Kind
from .records import associations_of, event_record


def _address(request) -> str | None:
    return client_address(request) if request is not None else None


def _known_user(username: str):
    return User.objects.filter(username=username).first() if username else None


def on_user_logged_in(sender, *, request, user, **kwargs):
    through_sso = getattr(request, "login_method", "") == "sso"
    event_record(
        association_ids=associations_of(user),
        kind=Kind.LOGIN,
        actor=user,
        summary=lambda: _("Logged in through single sign-on") if through_sso else _("Logged in"),
        address=_address(request),
    )


def on_user_login_failed(sender, *, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    user = _known_user(username)
    event_record(
        association_ids=associations_of(user),
        kind=Kind.LOGIN_FAILED,
        actor=user,
        actor_label=username,
        summary=lambda: _("Wrong password") if user else _("Login with an unknown username"),
        address=_address(request),
    )


def on_user_locked_out(sender, *, request=None, username=None, ip_address=None, **kwargs):
    username = str(username or "")
    user = _known_user(username)
    event_record(
        association_ids=associations_of(user),
        kind=Kind.LOCKED_OUT,
        actor=user,
        actor_label=username,
        summary=lambda: _("Locked out after too many failed logins"),
        address=ip_address or _address(request),
    )


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def on_membership_changed(sender, *, membership, acting_user, change, before=None, **kwargs):
    person = membership.user.get_username()
    if change == "role":
        kind = Kind.ROLE_CHANGED

        def summary():
            return _("%(user)s: role changed from %(before)s to %(after)s") % {
                "user": person,
                "before": _role_label(before),
                "after": _role_label(membership.role),
            }
    else:
        kind = Kind.REMOVED

        def summary():
            return _("%(user)s was removed from the förbund (role: %(role)s)") % {
                "user": person,
                "role": _role_label(before or membership.role),
            }

    event_record(
        association_ids=[membership.association_id],
        kind=kind,
        actor=acting_user,
        summary=summary,
        target=person,
    )


INVITATION_CHANGES = {
    "sent": lambda: _("Invitation sent to %(whom)s"),
    "resent": lambda: _("Invitation sent again to %(whom)s"),
    "accepted": lambda: _("Invitation accepted by %(whom)s"),
    "revoked": lambda: _("Invitation to %(whom)s revoked"),
    "expired": lambda: _("Invitation to %(whom)s expired"),
}


def on_invitation_changed(sender, *, invitation, acting_user, change, **kwargs):
    whom = invitation.email  # the address the kansli typed: nothing about an account
    words = INVITATION_CHANGES.get(change)
    event_record(
        association_ids=[invitation.association_id],
        kind=Kind.INVITATION,
        actor=acting_user,
        summary=lambda: (
            (words() if words else _("Invitation to %(whom)s: %(change)s"))
            % {"whom": whom, "change": change}
        ),
        target=whom,
    )


def on_association_removed(sender, *, name, slug, acting_user, deactivated, **kwargs):
    """No förbund's event (the förbund is gone): the platform administrator's log."""
    event_record(
        association_ids=[None],
        kind=Kind.FORBUND_REMOVED,
        actor=acting_user,
        summary=lambda: (
            _("%(name)s removed; %(users)s users deactivated")
            % {"name": name, "users": deactivated}
        ),
        target=slug,
    )


def _path_of(document) -> str:
    try:
        return document_path(document)
    except NoReverseMatch:
        return ""


def on_decision_recorded(sender, *, document, acting_user, approved, **kwargs):
    def summary():
        if approved:
            return _("The board's decision recorded: %(title)s approved") % {
                "title": document.title
            }
        return _("The board's decision recorded: %(title)s sent back") % {"title": document.title}

    event_record(
        association_ids=[document.association_id],
        kind=Kind.DECISION,
        actor=acting_user,
        summary=summary,
        target=_path_of(document),
    )


def on_auditors_statement_recorded(sender, *, report, acting_user, **kwargs):
    event_record(
        association_ids=[report.association_id],
        kind=Kind.AUDITORS_STATEMENT,
        actor=acting_user,
        summary=lambda: (
            _("The auditors' statement recorded on %(title)s") % {"title": report.title}
        ),
        target=_path_of(report),
    )


def on_file_downloaded(sender, *, request, association, kind, filename, **kwargs):
    user = request.user if request.user.is_authenticated else None
    event_record(
        association_ids=[association.pk],
        kind=Kind.PDF_DOWNLOAD if kind == PDF else Kind.EXPORT,
        actor=user,
        summary=lambda: _("Downloaded %(filename)s") % {"filename": filename},
        target=request.path,
        address=client_address(request),
    )


TWO_FACTOR_CHANGES = {
    "enabled": lambda: _("Two-factor login turned on for %(whom)s"),
    "disabled": lambda: _("Two-factor login turned off for %(whom)s"),
    "recovery_codes": lambda: _("New recovery codes made for %(whom)s"),
    "required": lambda: _("Two-factor login required for every user of the förbund"),
    "not_required": lambda: _("Two-factor login no longer required for the förbund's users"),
}


def on_two_factor_changed(sender, *, user, acting_user, change, association=None, **kwargs):
    whom = user.get_username() if user is not None else ""
    words = TWO_FACTOR_CHANGES[change]
    event_record(
        association_ids=[association.pk] if association is not None else associations_of(user),
        kind=Kind.LOGIN_SETTINGS,
        actor=acting_user,
        summary=lambda: words() % {"whom": whom},
        target=whom,
    )


IDENTITY_PROVIDER_CHANGES = {
    "sso_enabled": lambda: _("Single sign-on turned on"),
    "sso_disabled": lambda: _("Single sign-on turned off"),
    "sso_changed": lambda: _("Single sign-on settings changed"),
}


def on_identity_provider_changed(sender, *, association, acting_user, change, **kwargs):
    event_record(
        association_ids=[association.pk],
        kind=Kind.LOGIN_SETTINGS,
        actor=acting_user,
        summary=IDENTITY_PROVIDER_CHANGES[change],
    )


def on_sso_login_refused(sender, *, association, email, reason, request=None, **kwargs):
    event_record(
        association_ids=[association.pk],
        kind=Kind.LOGIN_FAILED,
        actor_label=email,
        summary=lambda: _("Single sign-on refused: %(reason)s") % {"reason": reason},
        target=email,
        address=_address(request),
    )

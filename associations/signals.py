"""What happens to a förbund's people, for the apps above ``associations`` to act on (the
audit app writes it to the förbund's Händelselogg). Each is sent inside the transaction of
the event, so what a receiver writes is kept or rolled back with it.

- ``membership_changed(membership, acting_user, change, before)``: a member's role was
  changed (``change="role"``, ``before`` the old role) or the member was removed from the
  förbund (``change="removed"``).
- ``invitation_changed(invitation, acting_user, change)``: an invitation was sent, sent
  again, accepted, revoked or found expired (``change`` is one of ``"sent"``,
  ``"resent"``, ``"accepted"``, ``"revoked"``, ``"expired"``).
- ``two_factor_changed(user, acting_user, change, association=None)``: a person turned
  two-factor login on or off or made new recovery codes (``"enabled"``, ``"disabled"``,
  ``"recovery_codes"``), or a förbund's kansli required it or stopped requiring it
  (``"required"``, ``"not_required"``; ``user`` None, ``association`` given).
- ``identity_provider_changed(association, acting_user, change)``: the kansli turned the
  förbund's single sign-on on or off or changed its settings (``"sso_enabled"``,
  ``"sso_disabled"``, ``"sso_changed"``).
- ``sso_login_refused(association, email, reason, request)``: a login through the
  förbund's identity provider was refused (``reason`` in the user's words; ``email`` the
  address the provider vouched for, where it sent one). Sent outside any transaction.
- ``association_removed(name, slug, acting_user, deactivated)``: the platform
  administrator removed a whole förbund (``services.association_remove``); ``deactivated``
  is how many of its users were deactivated. Sent after its rows are gone.
"""

from django.dispatch import Signal

membership_changed = Signal()
invitation_changed = Signal()
two_factor_changed = Signal()
association_removed = Signal()
identity_provider_changed = Signal()
sso_login_refused = Signal()

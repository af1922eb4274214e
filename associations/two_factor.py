"""Two-factor login (django-otp): a TOTP app (Google/Microsoft Authenticator, FreeOTP,
BankID-free) and ten recovery codes, each usable once.

- Django admin is the platform administrator's and needs a verified second factor
  (``PlatformAdminSite``: its login sends to the application's login and then to the
  code, or to setting up the app; a password alone never reaches it).
- Anyone may turn it on for their account (*Tvåstegsverifiering* in the top bar); a
  förbund's kansli can require it for every user of the förbund
  (``Association.require_two_factor``).
- After a password login, ``on_login`` notes in the session what is still owed: a code
  (the account has a device) or setting one up (a förbund of theirs requires it); the
  ``TwoFactorMiddleware`` then sends every page to that step until it is done.

Changes are signalled (``associations.signals.two_factor_changed``) for the Händelselogg.
"""

import base64
import secrets
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.admin import OTPAdminSite
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from . import signals
from .models import Membership

SESSION_KEY = "two_factor_owed"
VERIFY, ENROL = "verify", "enrol"
RECOVERY_CODES = 10
ISSUER = "Finsamplanering"


def device_of(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def required_for(user) -> bool:
    """A förbund the user belongs to requires two-factor login."""
    with scopes_disabled():
        return Membership.objects.filter(user=user, association__require_two_factor=True).exists()


def on_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: what the session still owes before the pages open."""
    if device_of(user) is not None:
        request.session[SESSION_KEY] = VERIFY
    elif required_for(user):
        request.session[SESSION_KEY] = ENROL
    else:
        request.session.pop(SESSION_KEY, None)


def new_secret() -> str:
    """A TOTP key (20 random bytes) as hex, the form ``TOTPDevice.key`` keeps."""
    return secrets.token_hex(20)


def base32_of(key_hex: str) -> str:
    """The key as an authenticator app takes it when typed."""
    return base64.b32encode(bytes.fromhex(key_hex)).decode()


def provisioning_uri(user, key_hex: str) -> str:
    label = f"{ISSUER}:{user.get_username()}"
    return f"otpauth://totp/{label}?secret={base32_of(key_hex)}&issuer={ISSUER}&digits=6&period=30"


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no raster library needed)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def code_matches(key_hex: str, code: str) -> bool:
    """Is ``code`` the key's code now (one step either side, as the device allows)?"""
    code = (code or "").replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    return TOTP(bytes.fromhex(key_hex)).verify(int(code), tolerance=1)


@transaction.atomic
def enable(*, request, user, key_hex: str, code: str) -> list[str]:
    """Confirm the app with a code it shows, make the recovery codes and verify this
    session. Returns the recovery codes (shown once)."""
    if device_of(user) is not None:
        raise ValidationError(_("Two-factor login is already on for your account."))
    if not code_matches(key_hex, code):
        raise ValidationError(
            {"code": _("The code is not the one the app shows now. Try the next one.")}
        )
    device = TOTPDevice.objects.create(user=user, name=ISSUER, key=key_hex, confirmed=True)
    codes = new_recovery_codes(user)
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)
    signals.two_factor_changed.send(TOTPDevice, user=user, acting_user=user, change="enabled")
    return codes


def new_recovery_codes(user) -> list[str]:
    """Ten new one-time codes; earlier ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]} {code[4:]}" for code in codes]


@transaction.atomic
def renew_recovery_codes(*, user) -> list[str]:
    codes = new_recovery_codes(user)
    signals.two_factor_changed.send(
        TOTPDevice, user=user, acting_user=user, change="recovery_codes"
    )
    return codes


def verify(*, request, user, code: str) -> str:
    """A code from the app, or a recovery code (used up): the session is verified and ""
    is returned; else why not. After a wrong code the app's device waits a moment longer
    each time before it takes another (django-otp's throttling)."""
    code = (code or "").replace(" ", "")
    # The device the code's shape names: six digits are the app's, eight a recovery code.
    # Trying every device would count a failure against the ones not meant.
    if len(code) == 8:
        device = StaticDevice.objects.filter(user=user, name="recovery").first()
    else:
        device = device_of(user)
    if device is None:
        return _("The code is not the one the app shows now, nor an unused recovery code.")
    if not device.verify_is_allowed()[0]:
        return _("Too many wrong codes in a row: wait a little and try again.")
    if not device.verify_token(code):
        return _("The code is not the one the app shows now, nor an unused recovery code.")
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)
    return ""


@transaction.atomic
def disable(*, user, code: str) -> None:
    """Turn it off with a current code; refused where a förbund of the user requires it."""
    if required_for(user):
        raise ValidationError(
            _("A förbund you belong to requires two-factor login, so it cannot be turned off.")
        )
    device = device_of(user)
    if device is None or not device.verify_token((code or "").replace(" ", "")):
        raise ValidationError(
            {"code": _("The code is not the one the app shows now. Try the next one.")}
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    signals.two_factor_changed.send(TOTPDevice, user=user, acting_user=user, change="disabled")


class PlatformAdminSite(OTPAdminSite):
    """Django admin only for a session whose second factor is verified. Its login page is
    the application's: the password there, then the code (or setting up the app first)."""

    def login(self, request, extra_context=None):
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        if not request.user.is_authenticated:
            return redirect_to_login(target)
        if request.user.is_staff and not request.user.is_verified():
            step = "two_factor_verify" if device_of(request.user) is not None else "two_factor"
            return redirect_to_login(target, reverse(step))
        return super().login(request, extra_context)

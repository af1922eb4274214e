"""Two-factor login: the platform administrator's admin needs it, anyone may turn it on,
and a förbund's kansli may require it for every user of the förbund."""

import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from associations import two_factor
from associations.demo import DEMO_ADMIN_TOTP_KEY
from audit.models import AuditEvent, Kind
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "ett-långt-lösenord-2026"
SETUP = "/accounts/tvastegs/"
VERIFY = "/accounts/tvastegs/kod/"


def code(key_hex: str) -> str:
    """What the authenticator app shows now."""
    return f"{totp(bytes.fromhex(key_hex)):06d}"


def person(**fields):
    user = UserFactory(**fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, user, next_url="/"):
    return client.post(
        f"/accounts/login/?next={next_url}",
        {"username": user.username, "password": PASSWORD},
    )


def turn_on(client) -> tuple[str, list[str]]:
    """Set up the app on the logged-in client's account; returns the key and the codes."""
    client.get(SETUP)
    key = client.session["two_factor_setup_key"]
    page = client.post(SETUP, {"action": "enable", "code": code(key)}).content.decode()
    codes = re.findall(r"<li>(\d{4} \d{4})</li>", page)
    return key, codes


def test_django_admin_needs_the_second_factor(db, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code, then the right one at once
    admin = person(username="plattform", is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=admin, name="app", key=DEMO_ADMIN_TOTP_KEY, confirmed=True)
    app = Client()
    log_in(app, admin)  # the password alone, through the application's login
    assert app.get("/admin/").status_code == 302
    assert app.get("/admin/", follow=True).redirect_chain[-1][0].startswith(VERIFY)
    answer = app.post(VERIFY, {"code": code(DEMO_ADMIN_TOTP_KEY), "next": "/admin/"})
    assert answer.url == "/admin/"
    assert app.get("/admin/").status_code == 200
    # Logged out, the admin's login is the application's.
    assert (
        Client()
        .get("/admin/", follow=True)
        .redirect_chain[-1][0]
        .startswith("/accounts/login/?next=/admin/")
    )


def test_an_administrator_without_the_app_sets_it_up_before_the_admin(db):
    admin = person(username="ny-admin", is_staff=True, is_superuser=True)
    client = Client()
    log_in(client, admin)
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith(SETUP)
    turn_on(client)
    assert client.get("/admin/").status_code == 200


def test_turning_it_on_shows_a_qr_code_and_the_recovery_codes_once(db):
    user = person()
    client = Client()
    log_in(client, user)
    page = client.get(SETUP).content.decode()
    assert "<svg" in page and "otpauth" not in page  # the URI is only inside the QR code
    secret = two_factor.base32_of(client.session["two_factor_setup_key"])
    assert secret in page
    wrong = client.post(SETUP, {"action": "enable", "code": "123456"}).content.decode()
    assert "inte den som appen visar" in wrong
    assert two_factor.device_of(user) is None
    _key, codes = turn_on(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert two_factor.device_of(user) is not None
    assert "Nya reservkoder" in client.get(SETUP).content.decode()
    assert not re.findall(r"<li>\d{4} \d{4}</li>", client.get(SETUP).content.decode())


def test_after_the_password_every_page_asks_for_the_code(db, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code, then the right one at once
    user = person()
    client = Client()
    log_in(client, user)
    key, codes = turn_on(client)
    client.post("/accounts/logout/")
    response = log_in(client, user, next_url="/accounts/notifications/")
    assert client.get("/accounts/notifications/").url.startswith(VERIFY)
    assert client.get("/").status_code == 302
    wrong = client.post(VERIFY, {"code": "000000", "next": "/accounts/notifications/"})
    assert "inte den som appen visar" in wrong.content.decode()
    right = client.post(VERIFY, {"code": code(key), "next": "/accounts/notifications/"})
    assert right.status_code == 302 and right.url == "/accounts/notifications/"
    assert client.get("/accounts/notifications/").status_code == 200
    assert response.status_code == 302


def test_a_recovery_code_works_once(db, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = person()
    client = Client()
    log_in(client, user)
    _key, codes = turn_on(client)
    for attempt in range(2):
        other = Client()
        log_in(other, user)
        answer = other.post(VERIFY, {"code": codes[0], "next": "/"})
        if attempt == 0:
            assert answer.status_code == 302
        else:
            assert "inte den som appen visar" in answer.content.decode()


def test_wrong_codes_in_a_row_make_the_next_wait(db):
    user = person()
    TOTPDevice.objects.create(user=user, name="app", key=DEMO_ADMIN_TOTP_KEY, confirmed=True)
    client = Client()
    log_in(client, user)
    client.post(VERIFY, {"code": "000000"})
    answer = client.post(VERIFY, {"code": code(DEMO_ADMIN_TOTP_KEY)})
    assert "vänta en stund" in answer.content.decode()
    assert not client.session.get("otp_device_id")


def test_turning_it_off_takes_a_code(db, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = person()
    client = Client()
    log_in(client, user)
    key, _codes = turn_on(client)
    client.post(SETUP, {"action": "disable", "code": "000000"})
    assert two_factor.device_of(user) is not None
    client.post(SETUP, {"action": "disable", "code": code(key)})
    assert two_factor.device_of(user) is None


def test_a_forbund_requires_it_for_all_its_users(association, members):
    kansli = members["kansli"]
    kansli.set_password(PASSWORD)
    kansli.save()
    client = Client()
    log_in(client, kansli)
    details = f"/f/{association.slug}/details/"
    data = {
        "name": association.name,
        "quarter_deadline_days": "15",
        "reminder_days_before": "5",
        "next_plan_month": "9",
        "next_plan_day": "1",
        "audit_retention_months": "24",
        "require_two_factor": "on",
    }
    refused = client.post(details, data)
    assert "Slå på tvåstegsverifiering för ditt eget konto först" in refused.content.decode()
    association.refresh_from_db()
    assert not association.require_two_factor
    turn_on(client)
    assert client.post(details, data).status_code == 302
    association.refresh_from_db()
    assert association.require_two_factor
    with scope(association=association):
        logged = AuditEvent.objects.filter(association=association, kind=Kind.LOGIN_SETTINGS)
        assert logged.count() == 2  # the kansli's own, and the förbund's requirement

    # A board member without the app is sent to set it up, and cannot turn it off later.
    board = members["styrelse"]
    board.set_password(PASSWORD)
    board.save()
    member = Client()
    log_in(member, board)
    assert member.get(f"/f/{association.slug}/").url.startswith(SETUP)
    page = member.get(SETUP).content.decode()
    assert "kräver tvåstegsverifiering" in page
    key, _codes = turn_on(member)
    assert member.get(f"/f/{association.slug}/").status_code == 200
    member.post(SETUP, {"action": "disable", "code": code(key)})
    assert two_factor.device_of(board) is not None

    # A user of another förbund only is not asked.
    with scopes_disabled():
        elsewhere = MembershipFactory(role="kansli").user
    elsewhere.set_password(PASSWORD)
    elsewhere.save()
    free = Client()
    log_in(free, elsewhere)
    assert not free.session.get(two_factor.SESSION_KEY)


@pytest.mark.parametrize("path", ["/accounts/logout/", "/tillganglighet/"])
def test_the_way_out_stays_open(db, path):
    user = person()
    TOTPDevice.objects.create(user=user, name="app", key=DEMO_ADMIN_TOTP_KEY, confirmed=True)
    client = Client()
    log_in(client, user)
    response = client.post(path) if "logout" in path else client.get(path)
    assert not (response.status_code == 302 and response.url.startswith(VERIFY))

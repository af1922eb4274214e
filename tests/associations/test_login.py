import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def person(association):
    user = UserFactory(username="anna", email="anna@example.se")
    from django_scopes import scopes_disabled

    with scopes_disabled():
        MembershipFactory(association=association, user=user, role="styrelse")
    return user


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_lands_on_the_users_forbund(client, person, association):
    response = login(client, "anna", "secret-pass-123")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == reverse(
        "associations:home", kwargs={"association_slug": association.slug}
    )


def test_login_page_is_swedish(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="sv">' in html
    assert "Logga in" in html


def test_wrong_password_gives_a_swedish_message(client, person):
    response = login(client, "anna", "wrong")
    assert response.status_code == 200
    assert "korrekt användarnamn och lösenord" in response.content.decode()


def test_five_failures_lock_the_user_and_address_for_15_minutes(client, person):
    for _ in range(5):
        login(client, "anna", "wrong")
    response = login(client, "anna", "secret-pass-123")  # right password, still locked
    assert response.status_code == 429
    assert "15 minuter" in response.content.decode()
    # Another username from the same address is not locked.
    other = UserFactory(username="bertil")
    assert login(client, other.username, "secret-pass-123").status_code == 302


def test_logout_is_post_only(client, person):
    client.force_login(person)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_session_expires_after_a_working_day_of_inactivity():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_password_reset_sends_a_working_link(client, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "anna@example.se"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1].strip()
    response = client.get(path, follow=True)
    assert response.context["validlink"]
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "ett-nytt-langt-losen-42", "new_password2": "ett-nytt-langt-losen-42"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("ett-nytt-langt-losen-42")


def test_language_can_be_switched_to_english(client, person, association):
    client.force_login(person)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(
        reverse("associations:home", kwargs={"association_slug": association.slug})
    ).content.decode()
    assert "Log out" in html
    assert '<html lang="en">' in html


def test_unknown_url_gives_the_swedish_404_page(client, db):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.content.decode()

"""Swedish unless the user chooses otherwise; the choice follows them to any device."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from associations.models import User


def login_page(client) -> str:
    return client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()


def test_a_browser_that_asks_for_english_gets_swedish(client, db):
    page = login_page(client)
    assert "Logga in" in page and 'lang="sv"' in page


def test_english_chosen_before_logging_in_is_kept_on_this_browser(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log in" in login_page(client)


@pytest.fixture
def kansli(members):
    return members["kansli"]


def test_a_users_choice_is_kept_on_the_account_and_follows_them(kansli, association):
    laptop = Client()
    laptop.force_login(kansli)
    home = reverse("associations:home", kwargs={"association_slug": association.slug})
    laptop.post(reverse("set_language"), {"language": "en", "next": home})
    with scopes_disabled():
        assert User.objects.get(pk=kansli.pk).language == "en"
    phone = Client()  # another device: no language cookie
    phone.force_login(kansli)
    page = phone.get(home, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert 'lang="en"' in page
    phone.post(reverse("set_language"), {"language": "sv", "next": home})
    assert 'lang="sv"' in laptop.get(home).content.decode()


def test_an_unknown_language_changes_nothing(kansli, association):
    client = Client()
    client.force_login(kansli)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    with scopes_disabled():
        assert User.objects.get(pk=kansli.pk).language == ""
    home = reverse("associations:home", kwargs={"association_slug": association.slug})
    assert 'lang="sv"' in client.get(home).content.decode()

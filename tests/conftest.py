import pytest
from django_scopes import scopes_disabled

from tests.factories import AssociationFactory, MembershipFactory, UserFactory

ROLES = ["kansli", "styrelse", "projektledare", "revisor"]


@pytest.fixture(autouse=True)
def _fast_and_plain(settings):
    """Fast hashing and plain static storage (no collectstatic) in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    settings.LANGUAGE_CODE = "sv"


@pytest.fixture
def association(db):
    return AssociationFactory(slug="forbund-a", name="Samordningsförbundet A")


@pytest.fixture
def other_association(db):
    return AssociationFactory(slug="forbund-b", name="Samordningsförbundet B")


@pytest.fixture
def members(association):
    """One user per role in ``association``: ``members["kansli"]`` etc."""
    with scopes_disabled():
        return {role: MembershipFactory(association=association, role=role).user for role in ROLES}


@pytest.fixture
def outsider(other_association):
    """A kansli user of another förbund."""
    with scopes_disabled():
        return MembershipFactory(association=other_association, role="kansli").user


@pytest.fixture
def kansli_client(client, members):
    client.force_login(members["kansli"])
    return client


@pytest.fixture
def user_without_association(db):
    return UserFactory()

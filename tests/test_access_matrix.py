"""Every URL × every role × a user of another förbund, built from the URL configuration."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled

from tests.access_matrix import (
    ADMIN_NAMESPACE,
    GLOBAL_URL_KWARGS,
    GLOBAL_URLS,
    TENANT_URLS,
)
from tests.conftest import ROLES, login_verified

# The PDF downloads are walked for who may have them and how they are named, not
# for what they show: WeasyPrint is replaced (tests/conftest.py, fake_pdf).
pytestmark = pytest.mark.usefixtures("fake_pdf")


def walk(patterns, namespace="", prefix=""):
    """Yield ``(name, route)`` for every named URL, with its namespace."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(entry.url_patterns, full_ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern)


ALL_URLS = dict(walk(get_resolver().url_patterns))
TENANT_ROUTE_PREFIX = "f/<slug:association_slug>/"


def test_every_url_has_an_entry_in_the_matrix():
    missing = []
    for name, route in ALL_URLS.items():
        if name.split(":")[0] == ADMIN_NAMESPACE:
            continue
        table = TENANT_URLS if route.startswith(TENANT_ROUTE_PREFIX) else GLOBAL_URLS
        if name not in table:
            missing.append(f"{name} ({route})")
    assert not missing, "URLs without an entry in tests/access_matrix.py: " + ", ".join(missing)


def test_matrix_lists_no_url_that_does_not_exist():
    stale = set(TENANT_URLS) - set(ALL_URLS) | set(GLOBAL_URLS) - set(ALL_URLS)
    assert not stale


def url_kwargs(name, obj):
    """``plan_pk`` and/or ``pk`` for the URL ``name``, from the object the factory made."""
    route = ALL_URLS[name]
    if obj is None:
        return {}
    if isinstance(obj, dict):  # the factory gave the URL's arguments itself
        return dict(obj)
    kwargs = {}
    if "<int:plan_pk>" in route:
        kwargs["plan_pk"] = obj.pk if "<int:pk>" not in route else plan_of(obj).pk
    if "<int:pk>" in route:
        kwargs["pk"] = obj.pk
    return kwargs


def plan_of(obj):
    if hasattr(obj, "budget_id"):
        return obj.budget.plan
    if hasattr(obj, "group_id") and hasattr(obj, "sub_lines"):
        return obj.group.budget.plan
    if hasattr(obj, "plan_intervention") and not hasattr(obj, "plan_id"):
        return obj.plan_intervention.plan
    return obj.plan


def tenant_url(name, association, factory):
    kwargs = {"association_slug": association.slug}
    if factory is not None:
        with scopes_disabled():
            kwargs.update(url_kwargs(name, factory(association)))
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name", sorted(TENANT_URLS))
def test_tenant_url_for_each_role(name, client, association, members, outsider):
    factory, expected = TENANT_URLS[name]
    url = tenant_url(name, association, factory)
    got = {}
    for role in ROLES:
        client.force_login(members[role])
        got[role] = client.get(url).status_code
    client.force_login(outsider)
    got["outsider"] = client.get(url).status_code
    client.logout()
    response = client.get(url)
    got["anonymous"] = response.status_code
    assert got == expected, f"{url}: {got}"
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name", sorted(name for name, (factory, _) in TENANT_URLS.items() if factory is not None)
)
def test_object_of_another_association_gives_404(
    name, client, association, other_association, members
):
    """A kansli user who puts another förbund's object id into their own förbund's URL."""
    factory, _ = TENANT_URLS[name]
    with scopes_disabled():
        foreign = url_kwargs(name, factory(other_association))
    url = reverse(name, kwargs={"association_slug": association.slug, **foreign})
    client.force_login(members["kansli"])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


@pytest.mark.parametrize("name", sorted(TENANT_URLS))
def test_post_is_refused_for_roles_that_may_not_get(name, client, association, members, outsider):
    """Where a role may not GET, it may not POST either; nothing slips through."""
    factory, expected = TENANT_URLS[name]
    url = tenant_url(name, association, factory)
    for role in [*ROLES, "outsider"]:
        if expected[role] in (200, 405):  # 405: may POST, the URL just has no GET
            continue
        client.force_login(outsider if role == "outsider" else members[role])
        assert client.post(url, {}).status_code == expected[role], (url, role)


@pytest.mark.parametrize("name", sorted(GLOBAL_URLS))
def test_global_urls(name, client, members):
    url = reverse(name, kwargs=GLOBAL_URL_KWARGS.get(name))
    expected = GLOBAL_URLS[name]
    assert client.get(url).status_code == expected["anonymous"], url
    client.force_login(members["styrelse"])
    assert client.get(url).status_code == expected["member"], url


def test_admin_is_for_platform_administrators_only(client, members, admin_user):
    client.force_login(members["kansli"])
    assert client.get("/admin/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 302  # a password alone: the admin's login
    login_verified(client, admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/associations/association/").status_code == 200

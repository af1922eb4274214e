"""``{% part_url %}`` gives what ``{% url %}`` gives, reversing once per name and page."""

from types import SimpleNamespace
from unittest import mock

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

TEMPLATE = Template(
    "{% load finsam %}"
    "{% for pk in pks %}{% part_url 'plans:sections_update' pk %} {% endfor %}"
    "{% part_url 'plans:sections_create' %}"
)


def test_part_url_is_the_url_and_reverses_once_per_name():
    association = SimpleNamespace(slug="forbund-a")
    plan = SimpleNamespace(pk=12)
    request = RequestFactory().get("/")
    context = Context(
        {"association": association, "plan": plan, "pks": [1, 23, 456], "request": request}
    )
    with mock.patch("finsam.templatetags.finsam.reverse", wraps=reverse) as counted:
        rendered = TEMPLATE.render(context).split()
        TEMPLATE.render(context)
    kwargs = {"association_slug": "forbund-a", "plan_pk": 12}
    assert rendered == [
        *(reverse("plans:sections_update", kwargs={**kwargs, "pk": pk}) for pk in (1, 23, 456)),
        reverse("plans:sections_create", kwargs=kwargs),
    ]
    assert counted.call_count == 2


def test_another_plan_on_the_same_request_gets_its_own_urls():
    request = RequestFactory().get("/")
    for plan_pk in (1, 2):
        context = Context(
            {
                "association": SimpleNamespace(slug="forbund-a"),
                "plan": SimpleNamespace(pk=plan_pk),
                "pks": [5],
                "request": request,
            }
        )
        first = TEMPLATE.render(context).split()[0]
        assert first == reverse(
            "plans:sections_update",
            kwargs={"association_slug": "forbund-a", "plan_pk": plan_pk, "pk": 5},
        )

"""The tillgänglighetsredogörelse: open to anyone, in the reader's language, linked from
every page."""

from django.urls import reverse
from django_scopes import scopes_disabled

from associations.models import User
from tests.factories import PlanFactory

STATEMENT = reverse("accessibility_statement")


def test_anyone_reads_it_in_swedish_with_what_digg_asks_for(client, db, settings):
    settings.ACCESSIBILITY_EMAIL = "tillganglighet@example.se"
    page = client.get(STATEMENT).content.decode()
    assert "<h1>Tillgänglighetsredogörelse</h1>" in page
    for part in ("Tillsyn", "Rapportera brister", "Innehåll som inte är tillgängligt", "digg.se"):
        assert part in page, part
    assert 'href="mailto:tillganglighet@example.se"' in page


def test_a_user_who_chose_english_reads_it_in_english(client, members):
    user = members["styrelse"]
    with scopes_disabled():
        User.objects.filter(pk=user.pk).update(language="en")
    client.force_login(user)
    assert "<h1>Accessibility statement</h1>" in client.get(STATEMENT).content.decode()


def test_every_kind_of_page_links_to_it(client, members, association):
    link = f'href="{STATEMENT}"'
    assert link in client.get(reverse("login")).content.decode()
    assert link in client.get("/no-such-page/").content.decode()
    client.force_login(members["styrelse"])
    with scopes_disabled():
        plan = PlanFactory(association=association)
    kwargs = {"association_slug": association.slug}
    for url in (
        reverse("associations:home", kwargs=kwargs),
        reverse("plans:plan_detail", kwargs={**kwargs, "plan_pk": plan.pk}),
        reverse("documents:plan_document", kwargs={**kwargs, "plan_pk": plan.pk}),
    ):
        assert link in client.get(url).content.decode(), url

"""Förbundet → Händelselogg: the kansli's page of its own förbund's events, filtered, and
its CSV file."""

import csv
import datetime
import io
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from audit.models import AuditEvent, Kind


def page_url(association, name="audit:event_list"):
    return reverse(name, kwargs={"association_slug": association.slug})


def event(association, *, kind=Kind.EXPORT, who="eva", summary="Laddade ner", when=None):
    when = when or timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=when):
        return AuditEvent.objects.create(
            association=association, kind=kind, actor_label=who, summary=summary, address="10.1.1.1"
        )


def summaries(response):
    """The summaries on the page, but the kansli's own login (``kansli_client``)."""
    return [
        row.record.summary
        for row in response.context["table"].page.object_list
        if row.record.kind != Kind.LOGIN
    ]


def test_kansli_sees_its_own_events_newest_first_and_never_another_forbunds(
    kansli_client, association, other_association
):
    event(association, summary="A first")
    event(association, summary="A second")
    event(other_association, summary="B secret")
    event(None, summary="no förbund")
    response = kansli_client.get(page_url(association))
    assert response.status_code == 200
    assert summaries(response) == ["A second", "A first"]
    html = response.content.decode()
    assert "B secret" not in html and "no förbund" not in html
    assert "Händelselogg" in html and "10.1.1.1" in html


@pytest.mark.parametrize("role", ["styrelse", "projektledare", "revisor"])
def test_other_roles_are_refused(client, members, association, role):
    client.force_login(members[role])
    assert client.get(page_url(association)).status_code == 403
    assert client.get(page_url(association, "audit:event_csv")).status_code == 403


def test_a_kansli_of_another_forbund_gets_404(client, outsider, association):
    client.force_login(outsider)
    assert client.get(page_url(association)).status_code == 404


def test_the_menu_links_the_page_for_the_kansli(kansli_client, association):
    html = kansli_client.get(reverse("associations:home", kwargs={"association_slug": "forbund-a"}))
    assert page_url(association) in html.content.decode()


def test_filter_by_kind_user_and_dates(kansli_client, members, association):
    day = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)
    event(association, kind=Kind.PDF_DOWNLOAD, who="eva", summary="eva pdf", when=day)
    event(association, kind=Kind.EXPORT, who="eva", summary="eva export", when=day)
    event(association, kind=Kind.PDF_DOWNLOAD, who="olle", summary="olle pdf", when=day)
    later = day.replace(day=20)
    event(association, kind=Kind.PDF_DOWNLOAD, who="eva", summary="eva later", when=later)
    url = page_url(association)
    assert summaries(kansli_client.get(url, {"kind": "export"})) == ["eva export"]
    assert summaries(kansli_client.get(url, {"user": "olle"})) == ["olle pdf"]
    response = kansli_client.get(
        url,
        {"kind": "pdf_download", "user": "eva", "date_from": "2026-06-01", "date_to": "2026-06-15"},
    )
    assert summaries(response) == ["eva pdf"]
    response = kansli_client.get(url, {"date_from": "2026-06-15", "date_to": "2026-06-30"})
    assert summaries(response) == ["eva later"]
    login = kansli_client.get(url, {"kind": "login"}).context["table"].page.object_list
    assert [row.record.actor_label for row in login] == [members["kansli"].username]


def test_a_bad_date_gets_a_swedish_message_not_an_error(kansli_client, association):
    event(association)
    response = kansli_client.get(page_url(association), {"date_from": "2026-13-45"})
    assert response.status_code == 200
    assert "Fyll i ett giltigt datum" in response.content.decode()
    assert summaries(response) == []
    response = kansli_client.get(
        page_url(association), {"date_from": "2026-06-15", "date_to": "2026-06-01"}
    )
    assert "Till-datumet kan inte ligga före från-datumet" in response.content.decode()
    csv_response = kansli_client.get(page_url(association, "audit:event_csv"), {"user": "ingen"})
    assert csv_response.status_code == 200  # an unknown user: the message, and no rows


def test_fifty_events_a_page(kansli_client, association):
    AuditEvent.objects.bulk_create(
        AuditEvent(association=association, kind=Kind.EXPORT, summary=f"{n}") for n in range(50)
    )  # and the kansli's login: 51
    response = kansli_client.get(page_url(association))
    assert len(response.context["table"].page.object_list) == 50
    assert len(kansli_client.get(page_url(association), {"page": 2}).context["table"].page) == 1


def rows_of(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_csv_holds_the_filtered_rows_as_text(kansli_client, association, other_association):
    event(association, kind=Kind.EXPORT, summary='=HYPERLINK("https://evil.example","x")')
    event(association, kind=Kind.PDF_DOWNLOAD, summary="Laddade ner plan.pdf")
    event(other_association, kind=Kind.EXPORT, summary="B secret")
    response = kansli_client.get(page_url(association, "audit:event_csv"), {"kind": "export"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "handelselogg-" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header == ["När", "Vem", "Adress", "Typ", "Vad", "Objekt"]
    assert [row[3:5] for row in rows] == [["export", '\'=HYPERLINK("https://evil.example","x")']]


def test_downloading_the_csv_is_itself_in_the_log(kansli_client, association, members):
    kansli_client.get(page_url(association, "audit:event_csv"))
    with scopes_disabled():
        [download] = AuditEvent.objects.filter(association=association, kind=Kind.EXPORT)
    assert download.actor == members["kansli"]
    assert download.summary.startswith("Laddade ner handelselogg-")


def test_the_page_links_the_csv_of_the_same_filter(kansli_client, association):
    response = kansli_client.get(page_url(association), {"kind": "export", "page": "1"})
    assert response.context["csv_url"] == page_url(association, "audit:event_csv") + "?kind=export"


def test_kansli_sets_the_retention_among_the_details(kansli_client, association):
    url = reverse("associations:details_update", kwargs={"association_slug": association.slug})
    assert 'name="audit_retention_months"' in kansli_client.get(url).content.decode()


def test_the_page_takes_as_many_queries_with_many_events(kansli_client, association):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert kansli_client.get(page_url(association)).status_code == 200
        return len(captured)

    event(association, who="eva")
    few = queries()
    AuditEvent.objects.bulk_create(
        AuditEvent(association=association, kind=Kind.EXPORT, actor_label=f"u{n}", summary="x")
        for n in range(120)
    )
    assert queries() == few

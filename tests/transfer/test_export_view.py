"""Only the kansli exports the förbund's whole data; the download is an archive that
reads back, marks the förbund as exported and stands in the Händelselogg."""

import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from audit.models import AuditEvent, Kind
from transfer.archive import archive_read

pytestmark = pytest.mark.django_db


def export_url(association):
    return reverse("transfer:export", kwargs={"association_slug": association.slug})


def test_the_kansli_downloads_the_archive_and_the_event_log_records_it(
    client, association, members, django_capture_on_commit_callbacks
):
    client.force_login(members["kansli"])
    page = client.get(export_url(association))
    assert page.status_code == 200 and "Exportera all data" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(export_url(association))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert ".zip" in response["Content-Disposition"]
    archive = archive_read(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.manifest["association"]["slug"] == association.slug
    assert "plans" in archive.manifest["schema_version"]
    association.refresh_from_db()
    assert association.exported_at is not None
    with scopes_disabled():
        event = AuditEvent.objects.get(association=association, kind=Kind.EXPORT)
    assert event.actor == members["kansli"]


def test_the_menu_links_the_export_for_the_kansli(client, association, members):
    client.force_login(members["kansli"])
    home = client.get(reverse("associations:home", kwargs={"association_slug": association.slug}))
    assert export_url(association) in home.content.decode()


@pytest.mark.parametrize("role", ["styrelse", "projektledare", "revisor"])
def test_other_roles_may_not_export(client, association, members, role):
    client.force_login(members[role])
    assert client.post(export_url(association)).status_code == 403
    association.refresh_from_db()
    assert association.exported_at is None


def test_another_forbunds_kansli_gets_not_found(client, association, outsider):
    client.force_login(outsider)
    assert client.post(export_url(association)).status_code == 404

"""Every download (PDF, Excel, CSV) is sent with ``Cache-Control: no-store``."""

from django.urls import reverse

from tests.access_matrix import GLOBAL_URL_KWARGS, GLOBAL_URLS, TENANT_URLS
from tests.test_access_matrix import tenant_url

# The downloads there are today; the walk below must find at least these.
KNOWN_DOWNLOADS = {
    "plans:plan_document_pdf",
    "plans:plan_document_pdfa",
    "budgets:budget_export",
    "followup:export_excel",
    "followup:export_csv",
}


def test_every_download_is_sent_with_no_store(client, association, members):
    client.force_login(members["kansli"])
    downloads = {}
    for name, (factory, _expected) in sorted(TENANT_URLS.items()):
        response = client.get(tenant_url(name, association, factory))
        if response.has_header("Content-Disposition"):
            downloads[name] = response.get("Cache-Control", "")
    for name in GLOBAL_URLS:
        response = client.get(reverse(name, kwargs=GLOBAL_URL_KWARGS.get(name)))
        if response.has_header("Content-Disposition"):
            downloads[name] = response.get("Cache-Control", "")
    assert set(downloads) >= KNOWN_DOWNLOADS
    cached = {name: value for name, value in downloads.items() if "no-store" not in value}
    assert not cached, cached


def test_pages_are_not_marked_as_downloads(kansli_client, association):
    """The middleware touches downloads only: the logo keeps its own cache time."""
    response = kansli_client.get(reverse("associations:home", args=[association.slug]))
    assert "no-store" not in response.get("Cache-Control", "")

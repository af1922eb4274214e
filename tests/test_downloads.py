"""Every download keeps its name (an ASCII ``filename=`` and the real name as ``filename*``)
and is sent with ``Cache-Control: no-store``."""

import email.message
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from finsam.downloads import ascii_filename, content_disposition
from plans.models import Plan
from tests.access_matrix import GLOBAL_URL_KWARGS, GLOBAL_URLS, TENANT_URLS
from tests.test_access_matrix import tenant_url

# The PDF downloads are walked for who may have them and how they are named, not
# for what they show: WeasyPrint is replaced (tests/conftest.py, fake_pdf).
pytestmark = pytest.mark.usefixtures("fake_pdf")

HEADER = re.compile(
    r"^(?P<kind>attachment|inline); filename=\"(?P<ascii>[ -~]+)\"; "
    r"filename\*=utf-8''(?P<encoded>[A-Za-z0-9%._~-]+)$"
)
# The downloads the application offers today; a new one is found by the walk below too.
KNOWN_DOWNLOADS = {
    "budgets:budget_export",
    "followup:export_csv",
    "followup:export_excel",
    "documents:plan_document_pdf",
    "documents:plan_document_pdfa",
}


def parsed_params(header: str) -> list:
    """The header's parameters as a standard MIME parser reads them (RFC 2231 decoding)."""
    message = email.message.Message()
    message["Content-Disposition"] = header
    return message.get_params(header="content-disposition")


def assert_keeps_its_name(header: str, *, expected: str | None = None) -> str:
    assert "=?" not in header, header  # not MIME-encoded
    header.encode("ascii")
    match = HEADER.match(header)
    assert match, header
    params = parsed_params(header)
    # The parser names both "filename"; the RFC 2231 one comes as (charset, language, text).
    assert [key for key, _value in params[1:]] == ["filename", "filename"]
    fallback, (charset, _language, _text) = params[1][1], params[2][1]
    assert charset == "utf-8"
    name = unquote(match["encoded"], encoding="utf-8", errors="strict")
    assert name and name.isprintable()
    assert fallback == ascii_filename(name)
    if expected is not None:
        assert name == expected
    return name


def test_the_budget_workbook_of_a_three_year_plan_keeps_its_dash():
    header = content_disposition("budget-insjoriket-2023–2025.xlsx")
    assert header == (
        'attachment; filename="budget-insjoriket-2023-2025.xlsx"; '
        "filename*=utf-8''budget-insjoriket-2023%E2%80%932025.xlsx"
    )
    assert_keeps_its_name(header, expected="budget-insjoriket-2023–2025.xlsx")


@pytest.mark.parametrize(
    "name", ["Östra Värmland 2022.pdf", 'a "quoted" name\\.csv', "plain.xlsx", "åäö – 💶.xlsx"]
)
def test_any_name_has_an_ascii_fallback_and_its_real_spelling(name):
    assert_keeps_its_name(content_disposition(name), expected=name)
    assert_keeps_its_name(content_disposition(name, as_attachment=False), expected=name)


def test_every_download_url_names_its_file_twice(client, association, members):
    """Walk every förbund URL the kansli may open; each answer that is a download must carry
    both names. The förbund and the plan get names with characters outside ASCII."""
    association.name = "Samordningsförbundet Östra Värmland"
    association.save()
    client.force_login(members["kansli"])
    downloads = {}
    for name, (factory, expected) in sorted(TENANT_URLS.items()):
        if expected["kansli"] != 200:
            continue
        url = tenant_url(name, association, factory)
        with scopes_disabled():
            Plan._base_manager.filter(association=association).update(end_year=2025)
        response = client.get(url)
        assert response.status_code == 200, url
        if response.has_header("Content-Disposition"):
            downloads[name] = assert_keeps_its_name(response["Content-Disposition"])
    assert set(downloads) >= KNOWN_DOWNLOADS
    assert "budget-samordningsforbundet-ostra-varmland-2022–2025.xlsx" in downloads.values()


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

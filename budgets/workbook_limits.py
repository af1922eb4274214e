"""Checking an uploaded workbook's zip before anything parses it.

An .xlsx file is a zip of XML parts. A small upload can unpack to gigabytes (one cell
of 100 MB), hold millions of shared strings or a row of a million cells, or carry a DTD
with entities: openpyxl would take a worker's memory and time for each. ``problem``
looks at the zip itself, streaming each XML part through a fixed-size buffer and
counting as it goes, and names the first limit the file breaks; the import lists it as
its problem. A budget workbook (at most ``MAX_ROWS`` × ``MAX_COLUMNS`` cells) is far
inside every limit.
"""

import re
import zipfile
from io import BytesIO

from django.utils.translation import gettext as _

from finsam.formatting import format_integer

MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # unpacked, each part
MAX_TOTAL_BYTES = 40 * 1024 * 1024  # unpacked, all parts
MAX_RATIO = 100  # unpacked / packed, for a part over RATIO_FROM bytes unpacked
RATIO_FROM = 1024 * 1024
MAX_CELLS = 250_000  # per sheet: MAX_ROWS × MAX_COLUMNS of the import
MAX_SHARED_STRINGS = 50_000
MAX_TEXT_BYTES = 128 * 1024  # between two tags: Excel's 32 767 characters, 4 bytes each
CHUNK = 64 * 1024

_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL = b"c"
_SHARED_STRING = b"si"
_WIDE_XML = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<\x00", b"\x00<")
# The longest of these that can stand across two chunks, kept from one chunk to the next.
_OVERLAP = 16


def _count(tag: bytes, data: bytes) -> int:
    """How many elements ``tag`` start in ``data`` (``<c>``, ``<c r=…>``, ``<c/>``, also
    with a namespace prefix), counted by ``bytes.count``: no object per match."""
    count = sum(data.count(b"<" + tag + end) for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))
    prefixed = re.compile(rb"<\w+:" + tag + rb"[\s>/]")
    if prefixed.search(data):
        count += len(prefixed.findall(data))
    return count


def not_a_workbook() -> str:
    return _(
        "The file is not an Excel workbook (.xlsx). Save it from Excel as "
        '"Excel Workbook (.xlsx)" and try again.'
    )


def _too_large() -> str:
    return _("The file is too large unpacked; a budget workbook is far smaller.")


def problem(data: bytes) -> str | None:
    """The first limit the workbook ``data`` breaks, as a message; None if it keeps to
    them all, or if it is no zip at all (the import says that itself)."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            return _("The file has too many parts to be a budget workbook.")
        declared = 0
        for member in members:
            declared += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            too_tight = member.file_size > RATIO_FROM and ratio > MAX_RATIO
            if member.file_size > MAX_MEMBER_BYTES or declared > MAX_TOTAL_BYTES or too_tight:
                return _too_large()
        total = 0
        for member in members:
            if member.is_dir():
                continue
            # Every part, whatever its name: the workbook's relations may give a sheet
            # any name at all.
            found, read = _scan(archive, member, budget=MAX_TOTAL_BYTES - total)
            if found:
                return found
            total += read
    return None


def _scan(archive, member, *, budget: int) -> tuple[str | None, int]:
    """Stream one part: its true unpacked size (whatever the zip header says), any DTD
    or entity, and, in an XML part, the cells, shared strings and longest text.

    Long because it is one streaming pass: every limit is counted on the same chunks as
    they are read, so a bomb is refused before it is unpacked."""
    too_many_cells = _(
        "A sheet in the workbook has more than %(limit)s cells; a budget has far fewer."
    )
    too_many_strings = _(
        "The workbook has more than %(limit)s different texts; a budget has far fewer."
    )
    counters = [
        (_CELL, MAX_CELLS, too_many_cells),
        (_SHARED_STRING, MAX_SHARED_STRINGS, too_many_strings),
    ]
    counts = [0, 0]
    is_xml = None
    read = run = 0
    tail = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                read += len(chunk)
                if read > MAX_MEMBER_BYTES or read > budget:
                    return _too_large(), read
                window = tail + chunk
                if _DTD.search(window):
                    return (
                        _(
                            "The workbook contains a DTD or entities, which a budget workbook "
                            "never has. Save it anew from Excel and try again."
                        ),
                        read,
                    )
                if is_xml is None:
                    if chunk.startswith(_WIDE_XML):
                        # XML in UTF-16 or UTF-32, which Excel never writes, would pass the
                        # byte checks here unseen.
                        return not_a_workbook(), read
                    is_xml = chunk.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
                if not is_xml:  # an image, say: only its size and the DTD check apply
                    tail = window[-_OVERLAP:]
                    continue
                for index, (tag, limit, message) in enumerate(counters):
                    # A match within the kept tail was counted with the chunk before.
                    counts[index] += _count(tag, window) - _count(tag, tail)
                    if counts[index] > limit:
                        return message % {"limit": format_integer(limit)}, read
                # The run of bytes since the last "<": a text (CHUNK < MAX_TEXT_BYTES, so
                # only a run across chunks can be too long).
                first = chunk.find(b"<")
                text = run + (len(chunk) if first < 0 else first)
                run = text if first < 0 else len(chunk) - chunk.rfind(b"<") - 1
                if text > MAX_TEXT_BYTES:
                    return (
                        _("A cell in the workbook has a text longer than %(limit)s characters.")
                        % {"limit": "32\u00a0767"},
                        read,
                    )
                tail = window[-_OVERLAP:]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None, read  # a damaged part: openpyxl's reading says so
    return None, read

"""Downloads: the one way a download names its file, and never kept in a cache.

A header value with characters outside ASCII (an en dash in "2023–2025", a
förbund's å, ä, ö) is MIME-encoded by Django, and browsers and ``curl -OJ`` then
lose the name. Every download therefore says its name twice, as RFC 6266 asks:
an ASCII ``filename=`` for old clients and ``filename*=utf-8''…`` with the real
name.

A PDF, workbook or CSV file holds a förbund's figures and plan text: a shared computer's
browser cache or a proxy on the way must not keep a copy. Every response that is sent
as a file (it has a ``Content-Disposition`` header) gets ``Cache-Control: no-store``
through one middleware, so a new download view has it without remembering to.
"""

import unicodedata
from urllib.parse import quote, unquote

from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

from finsam.signals import file_downloaded

# Characters with no ASCII letter inside them (dashes, quotes) and what stands in for them.
ASCII_STAND_INS = str.maketrans({"–": "-", "—": "-", "‐": "-", "’": "'", "”": "", "“": ""})


def ascii_filename(filename: str) -> str:
    """``filename`` in printable ASCII: accents dropped ("ö" → "o"), dashes plain, the rest
    replaced by "_"."""
    decomposed = unicodedata.normalize("NFKD", filename.translate(ASCII_STAND_INS))
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "".join(char if " " <= char <= "~" else "_" for char in letters)


def content_disposition(filename: str, *, as_attachment: bool = True) -> str:
    """The ``Content-Disposition`` value for a download named ``filename``: Django's header
    for the ASCII fallback, and the UTF-8 name as ``filename*``."""
    fallback = content_disposition_header(as_attachment, ascii_filename(filename))
    return f"{fallback}; filename*=utf-8''{quote(filename, safe='')}"


def mark_not_cached(response):
    """``Cache-Control: no-store`` (with ``no-cache``, ``must-revalidate``, ``private``)."""
    add_never_cache_headers(response)
    return response


class DownloadNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Content-Disposition"):
            mark_not_cached(response)
        return response


EXPORT = "export"
PDF = "pdf"


def announce_download(request, response, *, association, kind: str):
    """Tell the apps above that ``response`` (a file download) goes to ``request``'s user:
    ``kind`` is ``EXPORT`` or ``PDF``. Returns ``response``, so a view ends with
    ``return announce_download(request, response, ...)``."""
    file_downloaded.send(
        sender=None,
        request=request,
        association=association,
        kind=kind,
        filename=_filename_of(response),
    )
    return response


def _filename_of(response) -> str:
    header = response.get("Content-Disposition", "")
    marker = "filename*=utf-8''"
    if marker in header:
        return unquote(header.split(marker, 1)[1])
    return ""

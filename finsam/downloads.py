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
from urllib.parse import quote

from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

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

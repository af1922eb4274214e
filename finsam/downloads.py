"""Downloads are never kept in a cache.

A PDF, workbook or CSV file holds a förbund's figures and plan text: a shared computer's
browser cache or a proxy on the way must not keep a copy. Every response that is sent
as a file (it has a ``Content-Disposition`` header, ``attachment`` or ``inline``) gets
``Cache-Control: no-store`` through this one middleware, so a new download view has it
without remembering to.
"""

from django.utils.cache import add_never_cache_headers


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

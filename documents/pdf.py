"""What every printed document shares: the PDF render, its URL fetcher, the draft cache
and slots, and the archive of an approved document's files.

The plan document (``documents.plan_document``) and the annual report
(``reports.document``) are both an HTML page rendered from templates and fed to
WeasyPrint here. ``render_pdf`` resolves resources against ``BASE_URL`` with a fetcher
that reads the stylesheet and the shipped fonts from disk and the logo from memory, and
fetches nothing else (no network, and nothing a document's text could point at).
``draft_pdf`` serves a draft's file from the cache while what it shows is unchanged and
otherwise queues its render (``render_draft``, a job run by the worker under
``documents.rendering``'s limits); ``stored_pdf`` serves an approved document's archived
file, rendering and storing it the first time.
"""

import datetime
import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task

from associations.models import AssociationLogo
from plans.models import BoardDecided

from . import rendering

# Resources are resolved against this base; the fetcher serves only its own paths.
BASE_URL = "https://document.invalid/"
# The variants every stored document has ("pdf", "pdfa"), and WeasyPrint's name for each.
PDF_VARIANTS = {"pdf": None, "pdfa": "pdf/a-3b"}


def approval_line(document: BoardDecided, *, today: datetime.date) -> str:
    """The line on the front page: the board's decision (``approval_line()``), or
    "Utkast" with today's date while the document is not approved. Translated in the
    language active when called."""
    if document.status != BoardDecided.Status.APPROVED:
        return _("Draft %(date)s") % {"date": today.isoformat()}
    return document.approval_line() or str(BoardDecided.Status.APPROVED.label)


def approval_key(document: BoardDecided) -> str:
    """What identifies an approval; a stored PDF belongs to exactly one."""
    return "|".join(
        [
            document.status,
            document.approved_on.isoformat() if document.approved_on else "",
            document.approval_paragraph,
            document.approval_dnr,
            document.approval_text,
        ]
    )


def document_date(document: BoardDecided, *, today: datetime.date) -> datetime.date:
    """The PDF's creation date: the approval date for an approved document, so the
    stored file and any re-rendering of it carry the same metadata."""
    if document.status == BoardDecided.Status.APPROVED and document.approved_on:
        return document.approved_on
    return today


def logo_url(association, logo: AssociationLogo | None) -> str:
    """The logo's URL with its hash, so that a new logo is a new URL (and a new HTML)."""
    if logo is None:
        return ""
    url = reverse("associations:logo", kwargs={"association_slug": association.slug})
    return f"{url}?v={logo.sha256[:12]}"


@dataclass
class _Resource:
    body: bytes
    mime_type: str


def _static_file(path: str) -> Path | None:
    """A file under STATIC_URL: from the finders in development, from STATIC_ROOT
    (hashed names included) after collectstatic."""
    found = finders.find(path)
    if found:
        return Path(found)
    candidate = Path(settings.STATIC_ROOT) / path
    root = Path(settings.STATIC_ROOT).resolve()
    if candidate.resolve().is_relative_to(root) and candidate.is_file():
        return candidate
    return None


def document_url_fetcher(resources: dict[str, _Resource]):
    """A WeasyPrint URL fetcher for static files and the given in-memory resources only."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    base = urlsplit(BASE_URL)

    class DocumentURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                raise ValueError(f"The document fetches nothing from outside: {url}")
            if parts.path in resources:
                resource = resources[parts.path]
                return URLFetcherResponse(
                    url, resource.body, headers={"Content-Type": resource.mime_type}
                )
            if ".." in parts.path.split("/"):
                raise ValueError(f"Not a resource of the document: {url}")
            if parts.path.startswith(static_prefix):
                path = _static_file(parts.path.removeprefix(static_prefix))
                if path is not None:
                    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        url, path.read_bytes(), headers={"Content-Type": mime_type}
                    )
            raise ValueError(f"Not a resource of the document: {url}")

    return DocumentURLFetcher()


def render_html(template: str, *, context: dict, request=None, for_screen: bool) -> str:
    """A document's HTML, in the installation's language whoever reads it: the page
    (``for_screen``) or the exact input of its PDF."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            template,
            {**context, "for_screen": for_screen, "document_language": settings.LANGUAGE_CODE},
            request=request,
        )


def render_pdf(*, html: str, context: dict, variant: str) -> bytes:
    """The PDF of a rendered document; ``variant`` is "pdf" or "pdfa". ``context`` gives
    the logo (``logo``, ``logo_url``) the HTML shows, if any."""
    from weasyprint import HTML

    resources = {}
    logo = context.get("logo")
    if logo is not None:
        resources[urlsplit(context["logo_url"]).path] = _Resource(
            bytes(logo.image), logo.content_type
        )
    return HTML(
        string=html, base_url=BASE_URL, url_fetcher=document_url_fetcher(resources)
    ).write_pdf(
        pdf_variant=PDF_VARIANTS[variant],
        pdf_identifier=True,  # derived from the content: the same input gives the same file
        pdf_tags=True,
    )


def draft_pdf(
    *,
    owner: str,
    variant: str,
    user_id: int | None,
    build: Callable[[], tuple[str, dict]],
    render: Callable[..., bytes],
    job: Task,
    job_kwargs: dict,
) -> bytes:
    """A draft's PDF: the cached file of ``owner`` (say "plan:12") if the draft shows
    what it showed then; else its render is queued, once while it is pending, as
    ``job(**job_kwargs, variant=, digest=)`` (a task on the "documents" queue whose body
    is ``render_draft``), and ``rendering.RenderBusy`` is raised: the view answers the
    page that asks again. A person's downloads one at a time (the HTML too: ten at
    once would build it ten times).

    With the immediate backend the job would run here and now: its body runs instead,
    on the HTML just built (``render(html=, context=, variant=)`` makes the file), and
    the file is returned; a render that fails raises as it did in the job.

    ``build()`` gives ``(html, context)`` for the print. Raises
    ``rendering.RenderFailed`` when the render of this input failed lately."""
    with rendering.person_slot(user_id=user_id):
        html, context = build()
        digest = rendering.content_hash(html=html, variant=variant)
        marked = {"owner": owner, "variant": variant, "digest": digest}
        cached = rendering.cached_pdf(**marked)
        if cached is not None:
            return cached
        if rendering.mark_queued(**marked):
            if isinstance(job.get_backend(), ImmediateBackend):
                render_draft(
                    **marked,
                    build=lambda: (html, context),
                    render=render,
                    job=job,
                    job_kwargs=job_kwargs,
                )
            else:
                job.enqueue(**job_kwargs, variant=variant, digest=digest)
            cached = rendering.cached_pdf(**marked)
            if cached is not None:
                return cached
        if rendering.job_failed(**marked):
            raise rendering.RenderFailed(f"The render of {owner} ({variant}) failed.")
    raise rendering.RenderBusy


def render_draft(
    *,
    owner: str,
    variant: str,
    digest: str,
    build: Callable[[], tuple[str, dict]],
    render: Callable[..., bytes],
    job: Task,
    job_kwargs: dict,
) -> str:
    """The body of the job ``draft_pdf`` queues: render the draft into the cache in one
    of the installation's slots. ``digest`` is what the request saw; the draft is built
    again here, and the file is kept under what it shows now. When no slot is free the
    job is queued again a moment later if the runner can wait (a worker), else it gives
    way (the immediate backend: the request answers the waiting page). Returns what was
    done, for the job's result; a failed render is marked so (``rendering.job_failed``)
    and raised."""
    marked = {"owner": owner, "variant": variant, "digest": digest}
    try:
        if rendering.cached_pdf(**marked) is not None:
            rendering.job_finished(**marked)
            return "cached"
        try:
            with rendering.installation_slot():
                html, context = build()
                content = rendering.run_niced(render, html=html, context=context, variant=variant)
        except rendering.RenderBusy:
            if not job.get_backend().supports_defer:
                rendering.job_finished(**marked)
                return "busy"
            later = timezone.now() + datetime.timedelta(seconds=rendering.REQUEUE_DELAY)
            job.using(run_after=later).enqueue(**job_kwargs, variant=variant, digest=digest)
            return "queued again"
        shown = rendering.content_hash(html=html, variant=variant)
        rendering.cache_pdf(owner=owner, variant=variant, digest=shown, content=content)
        rendering.job_finished(**marked)
        return "rendered"
    except Exception:
        rendering.job_finished(**marked, failed=True)
        raise


@dataclass(frozen=True)
class Archive:
    """Where an approved document's files are kept: ``model`` has ``variant``,
    ``approval_key``, ``content`` and ``sha256`` (``PlanDocument`` with ``plan``,
    ``ReportDocument`` with ``report``). A plan's approval never changes once made: one
    row per variant. ``every_version``: a row per variant and key, none ever changed (an
    annual report is archived as approved, then again with the auditors' statement)."""

    model: type
    owner_field: str
    every_version: bool = False


def stored_pdf(
    *,
    archive: Archive,
    document,
    variant: str,
    key: str,
    build: Callable[[], tuple[str, dict]],
    render: Callable[..., bytes],
) -> bytes:
    """An approved document's file: as stored if it was rendered for this approval
    (``key``), else rendered now from ``build()`` and stored."""
    owner = {archive.owner_field: document}
    stored = archive.model.objects.filter(**owner, variant=variant, approval_key=key).first()
    if stored is not None:
        return bytes(stored.content)
    html, context = build()
    content = render(html=html, context=context, variant=variant)
    _store(archive=archive, document=document, variant=variant, key=key, content=content)
    return content


def _store(*, archive: Archive, document, variant: str, key: str, content: bytes) -> None:
    """Keep the rendered file; when two first downloads race, the first one stays."""
    digest = hashlib.sha256(content).hexdigest()
    owner = {archive.owner_field: document}
    try:
        with transaction.atomic():
            updated = (
                0
                if archive.every_version
                else archive.model.objects.filter(**owner, variant=variant).update(
                    approval_key=key, content=content, sha256=digest
                )
            )
            if not updated:
                archive.model.objects.create(
                    association_id=document.association_id,
                    **owner,
                    variant=variant,
                    approval_key=key,
                    content=content,
                    sha256=digest,
                )
    except IntegrityError:
        pass

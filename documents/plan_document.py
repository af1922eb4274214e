"""The plan as one document: an HTML page and a PDF from the same templates.

``document_context`` gathers what the document shows (the plan, fully prefetched; the
budget table as ``budgets.selectors`` computes it; the board; the logo).
``render_document_html`` renders ``documents/plan/document.html``; ``render_pdf`` feeds
that HTML to WeasyPrint with a URL fetcher that reads the stylesheet and the shipped
fonts from disk and the logo from the database, and fetches nothing else (no network,
and nothing a plan text could point at). ``plan_pdf`` serves an approved plan's PDF
from ``PlanDocument`` once it has been rendered; a draft's is cached by what it shows
and rendered under ``documents.rendering``'s limits.

The document is always rendered in the site language (Swedish): it is the förbund's
plan, whatever language the reader chose for the application.
"""

import datetime
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from associations.models import AssociationLogo
from associations.selectors import association_overview
from budgets.models import Budget
from budgets.selectors import budget_table
from plans.models import Plan, PlanDocument
from plans.selectors import plan_document

from . import rendering

TEMPLATE = "documents/plan/document.html"
# Resources are resolved against this base; the fetcher serves only its own paths.
BASE_URL = "https://document.invalid/"
PDF_VARIANTS = {PlanDocument.Variant.PDF: None, PlanDocument.Variant.PDFA: "pdf/a-3b"}


def approval_line(plan: Plan, *, today: datetime.date) -> str:
    """The line on the front page: the board's decision (``Plan.approval_line``), or
    "Utkast" with today's date while the plan is not approved."""
    if plan.status != Plan.Status.APPROVED:
        return _("Draft %(date)s") % {"date": today.isoformat()}
    return plan.approval_line() or str(Plan.Status.APPROVED.label)


def approval_key(plan: Plan) -> str:
    """What identifies an approval; a stored PDF belongs to exactly one."""
    return "|".join(
        [
            plan.status,
            plan.approved_on.isoformat() if plan.approved_on else "",
            plan.approval_paragraph,
            plan.approval_dnr,
            plan.approval_text,
        ]
    )


def logo_url(association, logo: AssociationLogo | None) -> str:
    if logo is None:
        return ""
    url = reverse("associations:logo", kwargs={"association_slug": association.slug})
    return f"{url}?v={logo.sha256[:12]}"


def _words(text: str) -> str:
    """The words of a text, without Markdown emphasis, dashes or case."""
    return " ".join(re.sub(r"[*_\-–—:]+", " ", text).split()).casefold()


def _same_words(a: str, b: str) -> bool:
    return _words(a) == _words(b)


def printed_sections(sections: list) -> list:
    """The sections the document prints: one with text, or a heading over sections
    with text. A heading with nothing under it is left out, with its contents entry."""
    printed = []
    for index, section in enumerate(sections):
        if section.body.strip():
            printed.append(section)
            continue
        for below in sections[index + 1 :]:
            if below.level <= section.level:
                break
            if below.body.strip():
                printed.append(section)
                break
    return printed


def _without_repeated_points(goal) -> None:
    """A mätpunkt worded as its goal is the goal itself: print the goal once."""
    goal.point_list = [p for p in goal.point_list if not _same_words(p.text, goal.text)]


def _written_as_goals(text: str, goals: list) -> bool:
    """Whether every line of an intervention's goal text is one of its goals, alone or
    followed by one of its mätpunkter ("**Stegförflyttningar** – 100 % av ...")."""
    known = set()
    for goal in goals:
        known.add(_words(goal.text))
        known.update(_words(f"{goal.text} {point.text}") for point in goal.point_list)
    lines = [re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line) for line in text.splitlines()]
    lines = [_words(line) for line in lines if line.strip()]
    return bool(lines) and all(line in known for line in lines)


def prepare_document(document: dict) -> dict:
    """What ``plans.selectors.plan_document`` gives, shaped as the document prints it:
    no empty section, each goal once (a mätpunkt worded as its goal is not repeated;
    an intervention's short- or long-term goals text whose every line is one of its
    goals is not printed again beside them)."""
    document["sections"] = printed_sections(document["sections"])
    for area in document["goal_areas"]:
        for goal in area.goal_list:
            _without_repeated_points(goal)
    for entry in document["plan_interventions"]:
        goals = entry.goal_list
        entry.short_term_goals_as_goals = _written_as_goals(entry.short_term_goals, goals)
        entry.long_term_goals_as_goals = _written_as_goals(entry.long_term_goals, goals)
        for goal in entry.goal_list:
            _without_repeated_points(goal)
    return document


def document_context(*, plan: Plan, association, today: datetime.date | None = None) -> dict:
    """What the document shows, in the site language whatever the reader's (the draft
    line is translated when built). The plan as decided: no follow-up figures, which
    belong to the follow-up pages and the annual report."""
    with translation.override(settings.LANGUAGE_CODE):
        return _document_context(plan=plan, association=association, today=today)


def _document_context(*, plan: Plan, association, today: datetime.date | None) -> dict:
    today = today or timezone.localdate()
    budget = Budget.objects.filter(plan=plan).first()
    logo = AssociationLogo.objects.filter(association=association).first()
    overview = association_overview(association=association)
    return {
        **prepare_document(plan_document(plan=plan)),
        "association": association,
        "approval_line": approval_line(plan, today=today),
        # The PDF's creation date: the approval date for an approved plan, so the
        # stored file and any re-rendering of it carry the same metadata.
        "document_date": plan.approved_on
        if plan.status == Plan.Status.APPROVED and plan.approved_on
        else today,
        "budget": budget,
        "budget_table": budget_table(budget=budget) if budget else None,
        "unit": budget.unit if budget else Budget.Unit.KR,
        "board_by_party": [(p, seats) for p, seats in overview["board_by_party"] if seats],
        "contacts": overview["contacts"],
        "logo": logo,
        "logo_url": logo_url(association, logo),
    }


def document_filename(*, plan: Plan, association, variant: str, today: datetime.date) -> str:
    """The download's name: förbund, title, and whether it is the approved plan (with
    the decision's date, so a revision's differs) or a draft (with today's date)."""
    with translation.override(settings.LANGUAGE_CODE):
        if plan.status == Plan.Status.APPROVED:
            state = _("approved %(date)s") % {
                "date": plan.approved_on.isoformat() if plan.approved_on else ""
            }
        else:
            state = _("draft %(date)s") % {"date": today.isoformat()}
        archive = _("archive") if variant == PlanDocument.Variant.PDFA else ""
    name = slugify(f"{association.display_name} {plan.title} {state} {archive}")
    return f"{name}.pdf"


def render_document_html(*, context: dict, request=None, for_screen: bool) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            TEMPLATE,
            {**context, "for_screen": for_screen, "document_language": settings.LANGUAGE_CODE},
            request=request,
        )


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


def render_pdf(*, html: str, context: dict, variant: str) -> bytes:
    """The PDF of a rendered document; ``variant`` is a ``PlanDocument.Variant``."""
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


def plan_pdf(*, plan: Plan, association, variant: str, user_id: int | None = None) -> bytes:
    """The plan's PDF. An approved plan's is rendered once and then served as stored.

    A draft's (any plan not approved) is served from the cache while what it shows
    is unchanged, and otherwise rendered under ``documents.rendering``'s limits: one
    render at a time for ``user_id``, ``PDF_RENDER_LIMIT`` in the installation.
    Raises ``rendering.RenderBusy`` when no slot frees in time."""
    if plan.status != Plan.Status.APPROVED:
        return _draft_pdf(plan=plan, association=association, variant=variant, user_id=user_id)
    key = approval_key(plan)
    stored = PlanDocument.objects.filter(plan=plan, variant=variant).first()
    if stored is not None and stored.approval_key == key:
        return bytes(stored.content)
    context = document_context(plan=plan, association=association)
    content = render_pdf(
        html=render_document_html(context=context, for_screen=False),
        context=context,
        variant=variant,
    )
    _store(plan=plan, variant=variant, key=key, content=content)
    return content


def _draft_pdf(*, plan: Plan, association, variant: str, user_id: int | None) -> bytes:
    """A person's downloads one at a time (the HTML too: ten at once would build it ten
    times); the cached file if the draft shows what it showed then; else a render in
    one of the installation's slots."""
    with rendering.person_slot(user_id=user_id):
        context = document_context(plan=plan, association=association)
        html = render_document_html(context=context, for_screen=False)
        digest = rendering.content_hash(html=html, variant=variant)
        cached = rendering.cached_pdf(plan_id=plan.pk, variant=variant, digest=digest)
        if cached is not None:
            return cached
        with rendering.installation_slot():
            # Another person may have rendered the same draft while this one waited.
            cached = rendering.cached_pdf(plan_id=plan.pk, variant=variant, digest=digest)
            if cached is not None:
                return cached
            content = rendering.run_niced(_render_pdf, html=html, context=context, variant=variant)
        rendering.cache_pdf(plan_id=plan.pk, variant=variant, digest=digest, content=content)
        return content


def _render_pdf(**kwargs) -> bytes:
    """``render_pdf`` as it is when called (the tests replace it)."""
    return render_pdf(**kwargs)


def store_approved_documents(*, plan: Plan) -> None:
    """Render and keep the PDF and the PDF/A of a plan the board has just approved, so
    that the archived file is the plan as it stood at the decision (logo and board of
    that day), not as it stood whenever somebody first downloads
    it. Called by ``workflow.record_approval`` once the decision is committed; a plan
    approved without it (demo data, or a render that failed) is stored at its first
    download instead."""
    for variant in PDF_VARIANTS:
        plan_pdf(plan=plan, association=plan.association, variant=variant)


def _store(*, plan: Plan, variant: str, key: str, content: bytes) -> None:
    """Keep the rendered file; when two first downloads race, the first one stays."""
    digest = hashlib.sha256(content).hexdigest()
    try:
        with transaction.atomic():
            updated = PlanDocument.objects.filter(plan=plan, variant=variant).update(
                approval_key=key, content=content, sha256=digest
            )
            if not updated:
                PlanDocument.objects.create(
                    association_id=plan.association_id,
                    plan=plan,
                    variant=variant,
                    approval_key=key,
                    content=content,
                    sha256=digest,
                )
    except IntegrityError:
        pass

"""The plan as one document: an HTML page and a PDF from the same templates.

``document_context`` gathers what the document shows (the plan, fully prefetched; the
budget table as ``budgets.selectors`` computes it; the board; the logo).
``render_document_html`` renders ``documents/plan/document.html``; ``render_pdf``
(``documents.pdf``, shared with the annual report) feeds that HTML to WeasyPrint with
a URL fetcher that reads the stylesheet and the shipped fonts from disk and the logo
from the database, and fetches nothing else. ``plan_pdf`` serves an approved plan's
PDF from ``PlanDocument`` once it has been rendered; a draft's is cached by what it
shows and rendered by a job (``render_draft``) under ``documents.rendering``'s limits
(``documents.pdf``).

The document is always rendered in the site language (Swedish): it is the förbund's
plan, whatever language the reader chose for the application.
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_scopes import scope
from django_tasks import task

from associations.models import Association, AssociationLogo, MemberParty
from associations.selectors import association_overview
from budgets.models import Budget, FinancialRule
from budgets.selectors import budget_table
from plans import frozen_cache
from plans.models import Intervention, Plan, PlanDocument
from plans.selectors import plan_document
from plans.tasks import GONE

from . import pdf
from .pdf import (  # noqa: F401 (the plan document's names for the shared machinery)
    BASE_URL,
    PDF_VARIANTS,
    approval_key,
    approval_line,
    document_date,
    document_url_fetcher,
    logo_url,
    render_pdf,
)

TEMPLATE = "documents/plan/document.html"
# The plan's own part of the document (its contents entries and its chapters), rendered
# apart so that an approved plan's can be kept in the cache (``plan_body``).
BODY_TEMPLATES = {"toc": "documents/plan/_toc_plan.html", "main": "documents/plan/_body.html"}
# Rows the body shows that are not frozen with the plan: each förbund's parties
# (names in the interventions and the budget), financial rules (in the budget) and
# interventions (name, kind, start year, owner). Their values are part of the cache key.
BODY_LIVE_INPUTS = (MemberParty, FinancialRule, Intervention)
ARCHIVE = pdf.Archive(PlanDocument, "plan")


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
        "plan": plan,
        "body": plan_body(plan=plan, budget=budget),
        "association": association,
        "document_title": plan.title,
        "approval_line": approval_line(plan, today=today),
        "document_date": document_date(plan, today=today),
        "budget": budget,
        "unit": budget.unit if budget else Budget.Unit.KR,
        "board_by_party": [(p, seats) for p, seats in overview["board_by_party"] if seats],
        "contacts": overview["contacts"],
        "logo": logo,
        "logo_url": logo_url(association, logo),
    }


@dataclass(frozen=True)
class PlanBody:
    """The plan's own part of its document, rendered: ``toc`` (its contents entries)
    and ``main`` (its chapters: sections, goals, interventions, budget, tables)."""

    toc: SafeString
    main: SafeString


def plan_body(*, plan: Plan, budget: Budget | None) -> PlanBody:
    """The plan's chapters and contents entries. An approved plan's cannot change, so
    they are rendered once and kept in the shared cache (every process serves the same
    bytes) under ``body_cache_key`` (``plans.frozen_cache``); any other plan's are
    rendered each time."""
    toc, main = frozen_cache.kept(
        body_cache_key(plan=plan, budget=budget), lambda: _render_body(plan=plan, budget=budget)
    )
    return PlanBody(toc=mark_safe(toc), main=mark_safe(main))  # noqa: S308 (our own render)


def body_cache_key(*, plan: Plan, budget: Budget | None) -> str | None:
    """What an approved plan's document body depends on: the plan's row and decision,
    its budget's unit and version, the site language the document is always in, and
    the values of the live rows it shows (``BODY_LIVE_INPUTS``). None for a plan that
    is not approved."""
    with translation.override(settings.LANGUAGE_CODE):
        return frozen_cache.frozen_key(
            plan=plan,
            kind="plan-document",
            live=[m.objects.filter(association=plan.association_id) for m in BODY_LIVE_INPUTS],
            extra=[f"{budget.pk}:{budget.unit}:{budget.version}" if budget else ""],
        )


def _render_body(*, plan: Plan, budget: Budget | None) -> tuple[str, str]:
    """The plan's body from its fully prefetched parts, in the site language."""
    context = {
        **prepare_document(plan_document(plan=plan)),
        "budget": budget,
        "budget_table": budget_table(budget=budget) if budget else None,
        "unit": budget.unit if budget else Budget.Unit.KR,
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(BODY_TEMPLATES["toc"], context), render_to_string(
            BODY_TEMPLATES["main"], context
        )


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
    return pdf.render_html(TEMPLATE, context=context, request=request, for_screen=for_screen)


def plan_pdf(*, plan: Plan, association, variant: str, user_id: int | None = None) -> bytes:
    """The plan's PDF. An approved plan's is rendered once and then served as stored.

    A draft's (any plan not approved) is served from the cache while what it shows
    is unchanged; otherwise its render is queued (``render_draft``) and
    ``rendering.RenderBusy`` raised until it is made (at once with the immediate
    backend). One download at a time for ``user_id``; ``PDF_RENDER_LIMIT`` renders in
    the installation (``documents.rendering``)."""
    if plan.status != Plan.Status.APPROVED:
        return pdf.draft_pdf(
            owner=f"plan:{plan.pk}",
            variant=variant,
            user_id=user_id,
            build=lambda: _print(plan=plan, association=association),
            render=_render_pdf,
            job=render_draft,
            job_kwargs={"plan_id": plan.pk, "association_id": association.pk},
        )
    return pdf.stored_pdf(
        archive=ARCHIVE,
        document=plan,
        variant=variant,
        key=approval_key(plan),
        build=lambda: _print(plan=plan, association=association),
        render=render_pdf,
    )


@task(queue_name="documents")
def render_draft(*, plan_id: int, association_id: int, variant: str, digest: str) -> str:
    """The job that renders a draft plan's PDF into the cache (``pdf.render_draft``),
    the plan read in the scope of its förbund."""
    association = Association.objects.filter(pk=association_id).first()
    if association is None:
        return GONE  # the förbund was removed while the job waited
    with scope(association=association):
        plan = Plan.objects.filter(pk=plan_id).first()
        if plan is None:
            return GONE
        return pdf.render_draft(
            owner=f"plan:{plan.pk}",
            variant=variant,
            digest=digest,
            build=lambda: _print(plan=plan, association=association),
            render=_render_pdf,
            job=render_draft,
            job_kwargs={"plan_id": plan_id, "association_id": association_id},
        )


def _print(*, plan: Plan, association) -> tuple[str, dict]:
    """The HTML the PDF is made from, and the context it was rendered with."""
    context = document_context(plan=plan, association=association)
    return render_document_html(context=context, for_screen=False), context


def _render_pdf(**kwargs) -> bytes:
    """``render_pdf`` as it is when called (the tests replace it)."""
    return render_pdf(**kwargs)


def store_approved_documents(*, plan: Plan) -> None:
    """Render and keep the PDF and the PDF/A of a plan the board has just approved, so
    that the archived file is the plan as it stood at the decision (logo and board of
    that day), not as it stood whenever somebody first downloads
    it. Run by the job ``plans.tasks.document_approved``, which
    ``workflow.record_approval`` queues once the decision is committed; a plan approved
    without it (demo data, or a job that failed or has not run yet) is stored at its
    first download instead."""
    for variant in PDF_VARIANTS:
        plan_pdf(plan=plan, association=plan.association, variant=variant)

"""The plan as a document: HTML page, PDF and PDF/A from one template tree.

Rendering a PDF costs about a second, so the approved Östra Värmland demo plan is
downloaded once per module (through the views, as a board member) and the tests read
the results; the smaller cases use small plans.
"""

import datetime
import html as html_module
import io
import re
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled
from PIL import Image
from pypdf import PdfReader

from associations.demo import load_demo_associations
from associations.logo import association_logo_set
from associations.models import User
from budgets.demo import load_demo_budget
from budgets.models import (
    Budget,
    BudgetAmount,
    BudgetColumn,
    BudgetGroup,
    BudgetLine,
    Category,
    StatedFigure,
)
from budgets.selectors import budget_table
from budgets.templatetags.budgets import money
from documents import plan_document as document
from followup.demo import load_demo_followup
from plans.demo import load_demo_plan
from plans.models import Goal, Plan, PlanDocument, PlanIntervention
from tests import snapshots
from tests.factories import (
    BoardSeatFactory,
    ControlPointFactory,
    PlanFactory,
    PlanInterventionFactory,
    SectionFactory,
)

# The module's fixture needs the test database, which pytest-django creates only for
# the tests that are marked as using it.
pytestmark = pytest.mark.django_db

SLUG = "ostra-varmland"
PLAIN_STATIC = {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}


def sv(msgid, context=None):
    with translation.override("sv"):
        if context:
            return translation.pgettext(context, msgid)
        return translation.gettext(msgid)


def plain(text: str) -> str:
    """Text with every kind of space as one ordinary space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def page_label(page: int, pages: int) -> str:
    return f"{sv('Page')} {page} {sv('of', 'page X of Y')} {pages}"


def png_bytes(size=(60, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (22, 50, 92)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def ostra(django_db_setup, django_db_blocker, demo_snapshots):
    """The approved Östra Värmland 2022 plan with its budget and a logo, downloaded by a
    board member as HTML, PDF (twice) and PDF/A; and every other demo plan, with its
    budget and its follow-up, rendered as HTML and PDF (``demo``, by slug). Everything is
    rolled back afterwards. The demo plans come from the session's snapshot (the loaders
    below then find them loaded)."""
    settings = {"STORAGES": PLAIN_STATIC, "LANGUAGE_CODE": "sv", "SECURE_SSL_REDIRECT": False}
    with django_db_blocker.unblock(), override_settings(**settings), transaction.atomic():
        snapshots.restore(demo_snapshots["plans"])
        associations = load_demo_associations()
        demo = {slug: demo_document(a) for slug, a in associations.items() if slug != SLUG}
        association = associations[SLUG]
        plan = load_demo_plan(association, before_approval=load_demo_budget)
        budget = load_demo_budget(plan)
        load_demo_followup(association, plan)
        with scope(association=association):
            association_logo_set(association=association, acting_user=None, data=png_bytes())
            names = [
                entry.intervention.name
                for entry in PlanIntervention.objects.filter(plan=plan).select_related(
                    "intervention"
                )
            ]
            table = budget_table(budget=budget)
        client = Client()
        client.force_login(User.objects.get(username=f"{SLUG}-styrelse"))
        kwargs = {"association_slug": SLUG, "plan_pk": plan.pk}
        html = client.get(reverse("documents:plan_document", kwargs=kwargs))
        pdf = client.get(reverse("documents:plan_document_pdf", kwargs=kwargs))
        pdf_again = client.get(reverse("documents:plan_document_pdf", kwargs=kwargs))
        pdfa = client.get(reverse("documents:plan_document_pdfa", kwargs=kwargs))
        with scopes_disabled():
            stored = set(PlanDocument.objects.filter(plan=plan).values_list("variant", flat=True))
        result = SimpleNamespace(
            plan_title=plan.title,
            association_name=association.name,
            names=names,
            unit=budget.unit,
            totals=[
                figure.computed
                for figure in [
                    *table.income_total,
                    *table.cost_total,
                    *table.result,
                    *table.equity_end,
                ]
            ],
            pdf_url=reverse("documents:plan_document_pdf", kwargs=kwargs),
            html=html,
            pdf=pdf,
            pdf_again=pdf_again,
            pdfa=pdfa,
            stored=stored,
            demo=demo,
        )
        with scope(association=association):
            demo[SLUG] = SimpleNamespace(
                html=html.content.decode(),
                pdf=pdf.content,
                goals=[g.text for g in Goal.objects.filter(plan=plan)],
                heading=f"{association.name} · {plan.title}",
            )
        transaction.set_rollback(True)
    result.reader = PdfReader(io.BytesIO(result.pdf.content))
    result.pages = [plain(page.extract_text()) for page in result.reader.pages]
    for entry in demo.values():
        entry.pages = [plain(p.extract_text()) for p in PdfReader(io.BytesIO(entry.pdf)).pages]
    return result


def demo_document(association):
    """A demo förbund's plan with its budget and follow-up, rendered as the document."""
    plan = load_demo_plan(association, before_approval=load_demo_budget)
    load_demo_budget(plan)
    load_demo_followup(association, plan)
    with scope(association=association):
        context = document.document_context(plan=plan, association=association)
        html = document.render_document_html(context=context, for_screen=False)
        return SimpleNamespace(
            html=html,
            pdf=document.render_pdf(html=html, context=context, variant="pdf"),
            goals=[g.text for g in Goal.objects.filter(plan=plan)],
            heading=f"{association.name} · {plan.title}",
        )


# The approval line --------------------------------------------------------------


@pytest.mark.parametrize(("paragraph", "suffix"), [("§39", " §39"), ("39", " §39"), ("", "")])
def test_approval_line_of_an_approved_plan(paragraph, suffix):
    plan = Plan(
        status=Plan.Status.APPROVED,
        approved_on=datetime.date(2021, 12, 1),
        approval_paragraph=paragraph,
    )
    line = document.approval_line(plan, today=datetime.date(2026, 1, 5))
    assert (
        line
        == translation.gettext("Approved by the board %(date)s") % {"date": "2021-12-01"} + suffix
    )


def test_approval_as_the_forbund_wrote_it_is_shown_as_entered():
    plan = Plan(
        status=Plan.Status.APPROVED,
        approved_on=datetime.date(2021, 11, 18),
        approval_text="Antagen av förbundsstyrelsen",
    )
    assert document.approval_line(plan, today=datetime.date(2026, 1, 5)) == (
        "Antagen av förbundsstyrelsen"
    )


def test_approval_line_shows_the_file_number():
    plan = Plan(
        status=Plan.Status.APPROVED,
        approved_on=datetime.date(2021, 11, 18),
        approval_paragraph="§ 12",
        approval_dnr="2021/45",
    )
    line = document.approval_line(plan, today=datetime.date(2026, 1, 5))
    assert line.endswith("§ 12, " + translation.gettext("dnr %(dnr)s") % {"dnr": "2021/45"})


@pytest.mark.parametrize("status", [Plan.Status.DRAFT, Plan.Status.REVIEW, Plan.Status.SENT_BACK])
def test_a_plan_not_yet_approved_is_a_draft_of_today(status):
    plan = Plan(status=status, approved_on=datetime.date(2021, 12, 1), approval_paragraph="§39")
    line = document.approval_line(plan, today=datetime.date(2026, 3, 4))
    assert line == translation.gettext("Draft %(date)s") % {"date": "2026-03-04"}


# The approved demo plan as PDF ----------------------------------------------------


def test_pdf_is_served_as_a_pdf(ostra):
    assert ostra.pdf.status_code == 200
    assert ostra.pdf["Content-Type"] == "application/pdf"
    assert ostra.pdf.content.startswith(b"%PDF-")
    assert ".pdf" in ostra.pdf["Content-Disposition"]


def test_front_page_has_the_association_title_and_approval_line(ostra):
    front = ostra.pages[0]
    assert ostra.association_name in front
    assert ostra.plan_title in front
    approval = sv("Approved by the board %(date)s") % {"date": "2021-12-01"} + " §39"
    assert approval in front


def test_every_intervention_and_the_budget_totals_are_in_the_pdf(ostra):
    text = " ".join(ostra.pages)
    assert len(ostra.names) == 3
    for name in ostra.names:
        assert name in text
    assert Decimal("2172581") in ostra.totals  # Summa intäkter 2022, from the seed's lines
    # Årets resultat excludes the 324 581 of equity taken in; the equity ends at 214 581.
    assert Decimal("-110000") in ostra.totals and Decimal("214581") in ostra.totals
    for total in ostra.totals:
        assert plain(money(total, ostra.unit)) in text


def test_every_page_after_the_front_page_has_header_and_page_number(ostra):
    count = len(ostra.pages)
    assert 10 <= count <= 40  # the seed is 14 pages; the document starts each part on a page
    assert page_label(1, count) not in ostra.pages[0]
    for number, text in enumerate(ostra.pages[1:], start=2):
        assert page_label(number, count) in text, number
        assert f"{ostra.association_name} · {ostra.plan_title}" in text, number


def test_contents_give_the_page_of_each_intervention(ostra):
    reader = ostra.reader
    outline = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                outline[item.title] = reader.get_destination_page_number(item) + 1

    walk(reader.outline)
    # The page numbers float right: read the page as laid out, line by line.
    contents = plain(reader.pages[1].extract_text(extraction_mode="layout"))
    assert sv("Contents") in contents
    for name in ostra.names:
        assert name in outline  # a bookmark for every intervention heading
        listed = re.search(re.escape(name) + r" (\d+)", contents)
        assert listed, name
        assert int(listed.group(1)) == outline[name]
        assert name in ostra.pages[outline[name] - 1]


def test_pdf_metadata(ostra):
    metadata = ostra.reader.metadata
    assert ostra.plan_title in metadata.title
    assert metadata.author == ostra.association_name
    assert ostra.reader.trailer["/Root"]["/Lang"] == "sv"
    # The creation date is the approval date, so the stored file says when it was decided.
    assert metadata["/CreationDate"].startswith("D:20211201")


def test_tables_repeat_and_landscape_page_for_the_control_plan(ostra):
    reader = ostra.reader
    control_heading = sv("Routine/system")
    pages = [i for i, text in enumerate(ostra.pages) if control_heading in text]
    assert pages
    box = reader.pages[pages[0]].mediabox
    assert box.width > box.height  # the seven-column table gets an A4 landscape page


def test_logo_is_embedded_in_the_pdf(ostra):
    def images(page):
        resources = page["/Resources"]
        objects = resources.get("/XObject", {})
        return [
            name for name, ref in objects.items() if ref.get_object().get("/Subtype") == "/Image"
        ]

    assert images(ostra.reader.pages[0])  # front page
    assert images(ostra.reader.pages[2])  # running header


def test_approved_pdf_is_stored_and_served_byte_identical(ostra):
    assert ostra.pdf.content == ostra.pdf_again.content
    assert ostra.stored == {"pdf", "pdfa"}


def test_pdfa_variant_declares_its_conformance(ostra):
    assert ostra.pdfa.status_code == 200
    assert "arkiv" in ostra.pdfa["Content-Disposition"]
    reader = PdfReader(io.BytesIO(ostra.pdfa.content))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part="?3', xmp)
    assert re.search(r'pdfaid:conformance="?B', xmp)
    assert "/OutputIntents" in reader.trailer["/Root"]
    for page in reader.pages[:3]:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()
            if "/DescendantFonts" in descriptor:
                descriptor = descriptor["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descriptor["/FontDescriptor"].get_object()  # embedded


def test_html_document_is_the_same_plan_without_edit_controls(ostra):
    assert ostra.html.status_code == 200
    content = ostra.html.content.decode()
    assert '<html lang="sv">' in content
    for name in ostra.names:
        assert name in content
    assert "§39" in content
    assert "/edit/" not in content and "/delete/" not in content
    assert f'href="{ostra.pdf_url}"' in content


# Every demo plan: nothing empty, nothing twice -------------------------------------

DEMO_SLUGS = [
    "ostra-varmland",
    "samspelet",
    "insjoriket",
    "norra-vastmanland",
    "sollentuna-upplands-vasby-sigtuna",
]


def headings(html: str) -> list[str]:
    """What the document prints as headings or as an intervention's kind and status line:
    a page holding only these has nothing to read."""
    main = html.split('<main class="plan-document">', 1)[1]
    found = re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", main, flags=re.S)
    found += re.findall(r'<p class="muted">(.*?)</p>', main, flags=re.S)
    texts = {plain(re.sub(r"<[^>]+>", "", t)).strip() for t in found}
    return sorted((t.replace("&amp;", "&") for t in texts if t), key=len, reverse=True)


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_every_page_of_every_demo_plan_has_body_text(ostra, slug):
    entry = ostra.demo[slug]
    count = len(entry.pages)
    names = headings(entry.html)
    for number, text in enumerate(entry.pages, start=1):
        body = text.replace(page_label(number, count), "").replace(entry.heading, "")
        if body.strip().startswith(sv("Contents")):
            continue  # the contents are headings and page numbers by design
        for name in names:
            body = body.replace(name, " ")
        assert re.search(r"\w", body), f"{slug}: page {number} has no body text: {text!r}"


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_no_demo_document_holds_follow_up_charts(ostra, slug):
    html = ostra.demo[slug].html
    assert "<svg" not in html
    assert "followup-chart" not in html
    assert sv("Women") + " (K)" not in html


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_a_plan_without_a_table_has_no_chapter_for_it(ostra, slug):
    entry = ostra.demo[slug]
    text = " ".join(entry.pages)
    assert "Planen har ingen internkontrollplan" not in text
    assert "Planen har ingen kommunikationsplan" not in text
    for chapter, table in [
        ("control-plan", "control-table"),
        ("communication-plan", "communication-table"),
    ]:
        assert (f'href="#{chapter}"' in entry.html) == (f'class="{table}"' in entry.html)


def text_of(markup: str) -> str:
    return plain(html_module.unescape(re.sub(r"<[^>]+>", " ", markup)))


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_every_goal_is_printed_once(ostra, slug):
    """Once as a goal: not again as its mätpunkt, nor as its intervention's goal text.
    The plan's own prose (its sections, an intervention's purpose, target group and
    actions) may name a goal too; that is the plan's text."""
    entry = ostra.demo[slug]
    main = entry.html.split('<main class="plan-document">', 1)[1]
    printed = text_of(re.sub(r'<nav class="toc".*?</nav>', " ", main, flags=re.S))
    prose = text_of(
        " ".join(
            re.findall(r'<section id="section-.*?</section>', main, re.S)
            + re.findall(
                r"<dt>(?:Syfte|Målgrupp|Åtgärder|Styrgrupp)</dt><dd>(.*?)</dd>", main, re.S
            )
        )
    )
    goals = Counter(plain(g).strip() for g in entry.goals)
    # A goal of a few words ("Personer med psykisk ohälsa") may recur in any prose.
    for goal in goals:
        if len(goal) >= 40:
            words = goal[:60]
            # Another goal may begin with this one's words.
            expected = sum(n for g, n in goals.items() if words in g) + prose.count(words)
            assert printed.count(words) == expected, (slug, words, printed.count(words))


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_measurement_points_read_as_the_plan_words_them(ostra, slug):
    text = " ".join(ostra.demo[slug].pages)
    assert "; räknar in " not in text
    assert "(" + sv("at least %(n)s, women and men") % {"n": 200} not in text
    assert not re.search(r"\((minst|at least) \d+", text)


def test_a_section_heading_stands_with_its_table_in_ostra_varmland(ostra):
    entry = ostra.demo[SLUG]
    text = " ".join(entry.pages)
    assert "INTERNKONTROLLPLAN 2022" not in text and "KOMMUNIKATIONSPLAN 2022" not in text
    for heading, column in [
        (sv("Internal control plan"), sv("Routine/system")),
        (sv("Communication plan"), sv("Channel/activity")),
    ]:
        page = next(p for p in entry.pages[2:] if p.startswith(heading) or f" {heading} " in p)
        assert column in page


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_no_page_ends_with_a_label_whose_text_is_on_the_next_page(ostra, slug):
    """An intervention's "Syfte", "Målgrupp", "Åtgärder" stand with their text: the
    Östra Värmland PDF ended page 9 with "Målgrupp" and began page 10 with its list."""
    entry = ostra.demo[slug]
    labels = {text_of(label).strip() for label in re.findall(r"<dt>(.*?)</dt>", entry.html)}
    assert labels
    footer = plain(entry.heading).strip()
    pages = PdfReader(io.BytesIO(entry.pdf)).pages
    for number, page in enumerate(pages, start=1):
        lines = [plain(line).strip() for line in page.extract_text().splitlines()]
        body = [
            line
            for line in lines
            if line
            and line != footer
            and line != page_label(number, len(pages))
            and not re.fullmatch(r"[•◦▪\-]\s*(\d+\.)?", line)
        ]
        assert body[-1] not in labels, f"{slug}: page {number} ends with the label {body[-1]!r}"


def test_empty_sections_are_not_printed_nor_listed(association):
    with scope(association=association):
        plan = PlanFactory(association=association)
        SectionFactory(
            association=association, plan=plan, heading="Parent", body="", level=1, order=1
        )
        SectionFactory(
            association=association, plan=plan, heading="Child", body="Text", level=2, order=2
        )
        SectionFactory(
            association=association, plan=plan, heading="Nothing here", body=" ", level=1, order=3
        )
        SectionFactory(
            association=association, plan=plan, heading="Empty child", body="", level=2, order=4
        )
        SectionFactory(
            association=association, plan=plan, heading="Last", body="Words", level=1, order=5
        )
        context = document.document_context(plan=plan, association=association)
        html = document.render_document_html(context=context, for_screen=False)
    for heading in ("Parent", "Child", "Last"):
        assert html.count(f">{heading}<") == 2, heading  # in the contents and as a heading
    assert "Nothing here" not in html and "Empty child" not in html


# Small plans -------------------------------------------------------------------------


@pytest.fixture
def draft(association):
    """A draft with a hostile section, a long control table and a budget whose stated
    cost total differs from its lines."""
    with scope(association=association):
        plan = PlanFactory(association=association, year=2023, end_year=2023, title="VP 2023")
        SectionFactory(
            association=association,
            plan=plan,
            heading='<style>body{display:none}</style><i class="x">Rubrik</i>',
            body=(
                '<script>alert(1)</script> <span style="font-size:90pt">stor</span>\n\n'
                '<link rel="stylesheet" href="https://evil.example/x.css"> @page { size: A6 }'
            ),
        )
        PlanInterventionFactory(association=association, plan=plan)
        for n in range(45):
            ControlPointFactory(association=association, plan=plan, routine=f"Rutin {n}")
        budget = Budget.objects.create(association=association, plan=plan)
        column = BudgetColumn.objects.create(
            association=association, budget=budget, kind="budget", year=2023, label="Budget 2023"
        )
        group = BudgetGroup.objects.create(
            association=association,
            budget=budget,
            side="cost",
            category=Category.ADMINISTRATION,
            name="Kansli",
        )
        line = BudgetLine.objects.create(association=association, group=group, name="Lön")
        BudgetAmount.objects.create(
            association=association, line=line, column=column, amount=Decimal(700000)
        )
        StatedFigure.objects.create(
            association=association,
            budget=budget,
            column=column,
            kind=StatedFigure.Kind.COST_TOTAL,
            amount=Decimal(750000),
        )
    return plan


def render(plan, association, variant="pdf"):
    context = document.document_context(plan=plan, association=association)
    html = document.render_document_html(context=context, for_screen=False)
    return html, document.render_pdf(html=html, context=context, variant=variant)


def test_draft_pdf_escapes_user_text_and_repeats_table_headers(draft, association):
    with scope(association=association):
        html, pdf = render(draft, association)
    assert "<script>" not in html and "<style>body" not in html
    assert "&lt;style&gt;body{display:none}&lt;/style&gt;" in html
    reader = PdfReader(io.BytesIO(pdf))
    pages = [plain(page.extract_text()) for page in reader.pages]
    text = " ".join(pages)
    today = timezone.localdate().isoformat()
    assert sv("Draft %(date)s") % {"date": today} in pages[0]
    # The markup is shown as text, not interpreted: the section is visible, the page stays A4.
    assert '<style>body{display:none}</style><i class="x">Rubrik</i>' in text
    assert "<script>alert(1)</script>" in text and "@page { size: A6 }" in text
    for page in reader.pages:
        assert sorted([round(page.mediabox.width), round(page.mediabox.height)]) == [595, 842]
    # The control table runs over several pages, its header row on each of them.
    table_pages = [t for t in pages if "Rutin 1" in t or "Rutin 44" in t]
    assert len(table_pages) >= 2
    assert all(sv("Routine/system") in t for t in table_pages)
    # The stated cost total is shown beside the computed one.
    assert plain(money(Decimal(700000), "kr")) in text
    assert plain(money(Decimal(750000), "kr")) in text and sv("stated") in text


def test_html_document_escapes_user_text(draft, association, members, client):
    client.force_login(members["revisor"])
    url = reverse(
        "documents:plan_document",
        kwargs={"association_slug": association.slug, "plan_pk": draft.pk},
    )
    content = client.get(url).content.decode()
    assert "<script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "evil.example/x.css" not in content.split("</head>")[0]


def test_rendering_an_approved_plan_is_deterministic(association):
    with scope(association=association):
        plan = PlanFactory(association=association)
        PlanInterventionFactory(association=association, plan=plan)
        # Approved after its parts are in (an approved plan's parts are frozen).
        Plan.objects.filter(pk=plan.pk).update(
            status=Plan.Status.APPROVED, approved_on=datetime.date(2022, 11, 30)
        )
        plan.refresh_from_db()
        _html, first = render(plan, association, variant="pdfa")
        _html, second = render(plan, association, variant="pdfa")
    assert first == second


def test_stored_pdf_is_served_even_after_the_board_changes(association, members, client):
    with scope(association=association):
        plan = PlanFactory(
            association=association,
            status=Plan.Status.APPROVED,
            approved_on=datetime.date(2022, 11, 30),
            approval_paragraph="§7",
        )
    client.force_login(members["styrelse"])
    url = reverse(
        "documents:plan_document_pdf",
        kwargs={"association_slug": association.slug, "plan_pk": plan.pk},
    )
    first = client.get(url).content
    with scope(association=association):
        BoardSeatFactory(association=association, name="Ny Ledamot")
    assert client.get(url).content == first
    with scope(association=association):
        assert PlanDocument.objects.filter(plan=plan, variant="pdf").count() == 1


def test_a_draft_is_rendered_anew_and_not_stored(association, members, client):
    with scope(association=association):
        plan = PlanFactory(association=association)
    client.force_login(members["projektledare"])
    url = reverse(
        "documents:plan_document_pdf",
        kwargs={"association_slug": association.slug, "plan_pk": plan.pk},
    )
    assert client.get(url).status_code == 200
    with scope(association=association):
        assert not PlanDocument.objects.filter(plan=plan).exists()


def test_the_document_fetches_nothing_from_outside():
    fetcher = document.document_url_fetcher({})
    for url in [
        "https://evil.example/x.css",
        "file:///etc/passwd",
        document.BASE_URL + "f/other/logo/",
        document.BASE_URL + "static/../finsam/settings.py",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    font = fetcher.fetch(document.BASE_URL + "static/fonts/dejavu/DejaVuSans.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"


def test_document_page_queries_do_not_grow_with_the_plan(
    association, members, client, django_assert_max_num_queries
):
    with scope(association=association):
        plan = PlanFactory(association=association)
        PlanInterventionFactory(association=association, plan=plan)
    client.force_login(members["kansli"])
    url = reverse(
        "documents:plan_document", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
    )
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    with scope(association=association):
        for _ in range(5):
            PlanInterventionFactory(association=association, plan=plan)
            SectionFactory(association=association, plan=plan)
            ControlPointFactory(association=association, plan=plan)
            BoardSeatFactory(association=association)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def approve(plan, kansli, capture_on_commit):
    """Send the plan for review and record the board's approval (§39), running what
    waits for the commit as a request would."""
    from plans import workflow

    workflow.send_for_review(
        document=plan,
        acting_user=kansli,
        deadline=timezone.localdate() + datetime.timedelta(days=7),
    )
    with capture_on_commit(execute=True):
        workflow.record_approval(
            document=plan,
            acting_user=kansli,
            meeting_date=datetime.date(2021, 12, 1),
            paragraph="39",
        )


def test_approving_stores_the_pdfs_as_they_are_at_the_decision(
    association, members, client, django_capture_on_commit_callbacks
):
    with scope(association=association):
        plan = PlanFactory(association=association, title="Verksamhetsplan 2022")
        approve(plan, members["kansli"], django_capture_on_commit_callbacks)
        stored = {d.variant: bytes(d.content) for d in PlanDocument.objects.filter(plan=plan)}
        assert set(stored) == {"pdf", "pdfa"}
        assert "§39" in plain(PdfReader(io.BytesIO(stored["pdf"])).pages[0].extract_text())
        # A logo uploaded after the decision is in drafts, not in what was approved.
        association_logo_set(association=association, acting_user=None, data=png_bytes())
    client.force_login(members["styrelse"])
    kwargs = {"association_slug": association.slug, "plan_pk": plan.pk}
    assert (
        client.get(reverse("documents:plan_document_pdf", kwargs=kwargs)).content == stored["pdf"]
    )
    assert (
        client.get(reverse("documents:plan_document_pdfa", kwargs=kwargs)).content == stored["pdfa"]
    )


def test_a_failed_render_leaves_the_decision_recorded(
    association, members, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("WeasyPrint is gone")

    monkeypatch.setattr(document, "render_pdf", broken)
    with scope(association=association):
        plan = PlanFactory(association=association)
        approve(plan, members["kansli"], django_capture_on_commit_callbacks)
        plan.refresh_from_db()
        assert plan.status == Plan.Status.APPROVED
        assert not PlanDocument.objects.filter(plan=plan).exists()


def test_with_a_worker_the_decision_queues_the_archive_instead_of_rendering_it(
    association, members, client, django_capture_on_commit_callbacks, job_queue, fake_pdf
):
    with scope(association=association):
        plan = PlanFactory(association=association)
        approve(plan, members["kansli"], django_capture_on_commit_callbacks)
        assert not PlanDocument.objects.filter(plan=plan).exists()
    [job] = [job for job in job_queue.waiting if job.task.name == "document_approved"]
    assert job.task.queue_name == "documents"
    assert job.kwargs == {"label": "plans.Plan", "pk": plan.pk, "association_id": association.pk}
    assert job_queue.run_next("document_approved") == "archived"
    with scope(association=association):
        assert set(PlanDocument.objects.filter(plan=plan).values_list("variant", flat=True)) == {
            "pdf",
            "pdfa",
        }


def test_the_first_download_archives_the_plan_when_the_job_has_not_run(
    association, members, client, django_capture_on_commit_callbacks, job_queue, fake_pdf
):
    with scope(association=association):
        plan = PlanFactory(association=association)
        approve(plan, members["kansli"], django_capture_on_commit_callbacks)
    client.force_login(members["styrelse"])
    kwargs = {"association_slug": association.slug, "plan_pk": plan.pk}
    response = client.get(reverse("documents:plan_document_pdf", kwargs=kwargs))
    assert response.status_code == 200
    with scope(association=association):
        stored = PlanDocument.objects.get(plan=plan, variant="pdf")
    assert bytes(stored.content) == response.content
    # The job comes later and keeps that file.
    assert job_queue.run_next("document_approved") == "archived"
    with scope(association=association):
        assert PlanDocument.objects.get(plan=plan, variant="pdf").sha256 == stored.sha256


def test_the_archive_job_reads_the_document_only_in_its_forbunds_scope(
    association, other_association, fake_pdf
):
    from plans.tasks import GONE, document_approved

    with scope(association=association):
        plan = PlanFactory(association=association, status=Plan.Status.APPROVED)
    # In another förbund's scope the plan is not found: the job ends as if it were gone.
    done = document_approved.call(
        label="plans.Plan", pk=plan.pk, association_id=other_association.pk
    )
    assert done == GONE


def test_the_document_is_swedish_whatever_the_readers_language(client):
    from followup.demo import load_demo_followup

    association = load_demo_associations()["samspelet"]
    plan = load_demo_plan(association, before_approval=load_demo_budget)
    load_demo_followup(association, plan)
    with scopes_disabled():
        Plan._base_manager.filter(pk=plan.pk).update(status=Plan.Status.DRAFT)  # past the guard
    reader = User.objects.get(username="samspelet-styrelse")
    User.objects.filter(pk=reader.pk).update(language="en")  # chose English
    client.force_login(reader)
    url = reverse(
        "documents:plan_document", kwargs={"association_slug": association.slug, "plan_pk": plan.pk}
    )
    with translation.override("en"):
        page = client.get(url).content.decode()
    for english in ("Draft ", "Contents", "Interventions"):
        assert english not in page, english
    assert sv("Draft %(date)s") % {"date": timezone.localdate().isoformat()} in page


@pytest.mark.parametrize(
    ("title", "repeated"),
    [
        ("Verksamhetsplan och budget 2022-2024", False),
        ("Verksamhetsplan och budget 2022 – 2024", False),
        ("Verksamhetsplan och budget", True),
    ],
)
def test_the_front_page_names_the_years_once(association, title, repeated):
    with scope(association=association):
        plan = PlanFactory(association=association, year=2022, end_year=2024, title=title)
        context = document.document_context(plan=plan, association=association)
        html = document.render_document_html(context=context, for_screen=False)
    assert ('<p class="front-years">2022–2024</p>' in html) is repeated


def test_the_download_names_say_approved_or_draft(association):
    today = datetime.date(2026, 12, 2)
    with scope(association=association):
        approved = PlanFactory(
            association=association,
            title="Verksamhetsplan 2022",
            status=Plan.Status.APPROVED,
            approved_on=datetime.date(2021, 12, 1),
        )
        draft = PlanFactory(association=association, title="Verksamhetsplan 2022")
    with translation.override("en"):
        names = [
            document.document_filename(plan=p, association=association, variant=v, today=today)
            for p, v in [(approved, "pdf"), (approved, "pdfa"), (draft, "pdf")]
        ]
    name = "samordningsforbundet-a-verksamhetsplan-2022"
    assert names == [
        f"{name}-faststalld-2021-12-01.pdf",
        f"{name}-faststalld-2021-12-01-arkiv.pdf",
        f"{name}-utkast-2026-12-02.pdf",
    ]

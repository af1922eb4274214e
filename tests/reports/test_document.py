"""The annual report as a document: the HTML page, the PDF (through the plan document's
machinery) and the archive of an approved report's files.

The report is built from the Norra Västmanland demo (its 2022 plan is approved and has
an outcome). Real WeasyPrint renders once (the draft's PDF); the other PDF tests replace
it (``fake_pdf``), since who gets which file is the point there, not its content.
"""

import datetime
import io
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from associations.models import Association, User
from plans.tasks import GONE
from reports import document
from reports.models import AnnualReport, InterventionResult, ReportDocument
from reports.services import report_create

SLUG = "norra-vastmanland"
ROLES = ("kansli", "styrelse", "projektledare", "revisor")
TITLE = "Verksamhetsberättelse 2022"
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def association(demo_plans):
    return Association.objects.get(slug=SLUG)


def user(role, slug=SLUG):
    return User.objects.get(username=f"{slug}-{role}")


@pytest.fixture
def report(association):
    with scope(association=association):
        return report_create(
            association=association,
            acting_user=user("kansli"),
            year=2022,
            kind=AnnualReport.Kind.ANNUAL,
            title=TITLE,
        )


def url(name, report, slug=SLUG):
    return reverse(f"reports:{name}", kwargs={"association_slug": slug, "report_pk": report.pk})


def get_html(report, role="styrelse") -> str:
    client = Client()
    client.force_login(user(role))
    response = client.get(url("report_document", report))
    assert response.status_code == 200
    return response.content.decode()


def article(html: str, result_pk: int) -> str:
    match = re.search(rf'<article id="intervention-{result_pk}".*?</article>', html, re.S)
    assert match, f"no article for intervention result {result_pk}"
    return match.group(0)


def test_the_html_has_the_cover_outcome_charts_and_no_statement_yet(report):
    html = get_html(report)
    assert f'<h1 id="document-title">{TITLE}</h1>' in html
    # A draft says so on its cover, as a plan's draft does.
    assert "Utkast" in html
    # Budget against outcome, with the deviation column and at least one deviation.
    finances = html[html.index('id="finances"') :]
    assert "Avvikelse" in finances
    assert re.search(r'<td class="num">[+−-]\s?[\d\u00a0 ]+\s?kr</td>', finances)
    # Per intervention, the chart of participants by gender per quarter, or (where no
    # quarter has a figure) a line that says so.
    with scope(association=report.association):
        results = list(InterventionResult.objects.filter(report=report))
    assert results
    charts = [article(html, r.pk).count('<figure class="chart"><svg') for r in results]
    notes = [article(html, r.pk).count('class="muted no-chart"') for r in results]
    assert all(c + n == 1 for c, n in zip(charts, notes, strict=True))
    assert sum(charts) >= 2
    # Goal fulfilment: a row per mätpunkt.
    assert 'id="goal-results"' in html
    assert 'id="auditors"' not in html


def test_the_auditors_statement_appears_once_recorded(report):
    with scope(association=report.association):
        AnnualReport.objects.filter(pk=report.pk).update(
            auditors_statement_on=datetime.date(2023, 4, 12),
            auditors_recommend_discharge=True,
            auditors_statement="Vi har granskat förbundets verksamhet.",
        )
    html = get_html(report, role="revisor")
    statement = html[html.index('id="auditors"') :]
    assert "2023-04-12" in statement
    assert "Vi har granskat förbundets verksamhet." in statement
    assert 'class="auditors-recommendation"' in statement


def test_small_counts_are_suppressed_for_every_reader(report, monkeypatch):
    with scope(association=report.association):
        result = InterventionResult.objects.filter(report=report).first()
        InterventionResult.objects.filter(pk=result.pk).update(
            participants_women=3, participants_men=12, ended_work=3, ended_studies=0
        )
        iid = result.plan_intervention.intervention_id
    # The quarter figures the chart is drawn from: 3 women in the first quarter.
    figures = {(iid, 1, "active", "women"): 3, (iid, 1, "active", "men"): 12}
    monkeypatch.setattr(document, "year_figures", lambda **kwargs: figures)
    html = article(get_html(report, role="kansli"), result.pk)
    assert '<td class="num">3</td>' not in html
    assert "färre än 5" in html
    assert "K 3" not in html  # the bar of the women in K1
    # The men's 12 beside the total 15 would give the women away: one of them is hidden.
    assert not ('<td class="num">12</td>' in html and '<td class="num">15</td>' in html)


@override_settings(STORAGES=PLAIN_STATIC, PDF_RENDER_NICE=0)
def test_the_draft_pdf_opens_with_the_cover_and_numbers_its_pages(report):
    client = Client()
    client.force_login(user("styrelse"))
    response = client.get(url("report_document_pdf", report))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "verksamhetsberattelse-2022" in response["Content-Disposition"]
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert "Verksamhetsberättelse" in pages[0].extract_text()
    assert f"Sida 2 av {len(pages)}" in pages[1].extract_text()


def approve(report):
    """The board's approval as ``plans.workflow.record_approval`` leaves it, and what it
    runs once committed (``plans.extensions.document_approved``): the report's receiver,
    registered by ``ReportsConfig.ready``, archives its files."""
    from plans import extensions

    AnnualReport.objects.filter(pk=report.pk).update(
        status=AnnualReport.Status.APPROVED,
        approved_on=datetime.date(2023, 3, 20),
        approval_paragraph="12",
    )
    report.refresh_from_db()
    extensions.document_approved(document=report)


@pytest.mark.usefixtures("fake_pdf")
def test_an_approved_report_is_archived_at_approval_and_served_unchanged(report):
    with scope(association=report.association):
        approve(report)
        stored = {d.variant: bytes(d.content) for d in ReportDocument.objects.filter(report=report)}
    assert set(stored) == {"pdf", "pdfa"}
    client = Client()
    client.force_login(user("projektledare"))
    first = client.get(url("report_document_pdf", report)).content
    second = client.get(url("report_document_pdf", report)).content
    assert first == second == stored["pdf"]
    archive = client.get(url("report_document_pdfa", report))
    assert archive.content == stored["pdfa"]
    assert "arkiv" in archive["Content-Disposition"]


@pytest.mark.usefixtures("fake_pdf")
@pytest.mark.parametrize("role", ROLES)
def test_every_role_downloads_and_another_forbund_gets_404(report, role):
    client = Client()
    client.force_login(user(role))
    for name in ("report_document", "report_document_pdf", "report_document_pdfa"):
        assert client.get(url(name, report)).status_code == 200
    stranger = Client()
    stranger.force_login(user(role, slug="samspelet"))
    for name in ("report_document", "report_document_pdf", "report_document_pdfa"):
        assert stranger.get(url(name, report, slug="samspelet")).status_code == 404


@override_settings(PDF_RENDER_NICE=0)
def test_a_draft_pdf_goes_through_the_plan_drafts_cache(report, monkeypatch):
    """Rendered once while the draft shows the same; again once it changed."""
    from django.core.cache import caches

    from documents import pdf, rendering
    from reports.models import ReportSection

    caches[rendering.DOCUMENT_CACHE].clear()
    calls = []

    def fake_render(*, html, context, variant):
        calls.append(html)
        return b"%PDF-fake " + variant.encode()

    monkeypatch.setattr(pdf, "render_pdf", fake_render)
    client = Client()
    client.force_login(user("revisor"))
    first = client.get(url("report_document_pdf", report)).content
    assert client.get(url("report_document_pdf", report)).content == first
    assert len(calls) == 1
    with scope(association=report.association):
        ReportSection.objects.filter(report=report).update(body="Ett händelserikt år.")
    client.get(url("report_document_pdf", report))
    assert len(calls) == 2
    assert "Ett händelserikt år." in calls[1]


@override_settings(PDF_RENDER_NICE=0)
def test_with_a_worker_a_draft_reports_pdf_is_a_job_of_its_forbund(report, monkeypatch, job_queue):
    from django.core.cache import caches

    from documents import pdf, rendering

    caches[rendering.DOCUMENT_CACHE].clear()
    monkeypatch.setattr(pdf, "render_pdf", lambda **kwargs: b"%PDF-fake")
    client = Client()
    client.force_login(user("revisor"))
    assert client.get(url("report_document_pdf", report)).status_code == 503
    [job] = job_queue.waiting
    assert (job.task.module_path, job.task.queue_name) == (
        "reports.document.render_draft",
        "documents",
    )
    assert job.kwargs["association_id"] == report.association_id
    assert job_queue.run_next() == "rendered"
    response = client.get(url("report_document_pdf", report))
    assert (response.status_code, response.content) == (200, b"%PDF-fake")
    other = Association.objects.get(slug="samspelet")
    # In another förbund's scope the report is not found: the job ends as if it were gone.
    assert document.render_draft.call(**{**job.kwargs, "association_id": other.pk}) == GONE


@pytest.mark.usefixtures("fake_pdf")
def test_the_archive_keeps_the_approved_report_and_adds_the_audited_one(report, monkeypatch):
    """The board's version stays as archived; once the auditors' statement is recorded,
    the download is the report with the statement, archived beside the first."""
    from reports.workflow import record_auditors_statement

    rendered = []
    real = document.render_document_html

    def spy(**kwargs):
        html = real(**kwargs)
        rendered.append(html)
        return html

    monkeypatch.setattr(document, "render_document_html", spy)
    with scope(association=report.association):
        approve(report)
        assert not any("Revisorernas uttalande" in html for html in rendered)
        record_auditors_statement(
            report=report,
            acting_user=user("revisor"),
            statement_on=datetime.date(2023, 4, 12),
            recommends_discharge=True,
            text="Vi tillstyrker ansvarsfrihet.",
        )
    client = Client()
    client.force_login(user("styrelse"))
    assert client.get(url("report_document_pdf", report)).status_code == 200
    assert "Vi tillstyrker ansvarsfrihet." in rendered[-1]
    with scopes_disabled():
        keys = list(
            ReportDocument.objects.filter(report=report, variant="pdf").values_list(
                "approval_key", flat=True
            )
        )
    assert len(keys) == 2 and keys[0] != keys[1]

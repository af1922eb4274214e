"""The annual report as a document in a real browser: a board member of Norra Västmanland
opens the 2022 report as one page (axe: 0 violations), with its cover, the budget against
outcome with its deviations and a chart per intervention, and downloads it as PDF."""

import io

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect
from pypdf import PdfReader

from associations.models import Association, User
from budgets.demo import load_demo_budget, load_demo_outcome
from followup.demo import load_demo_followup
from plans.demo import load_demo_plan
from reports.models import AnnualReport
from reports.services import report_create
from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser

SLUG = "norra-vastmanland"


def test_board_member_reads_and_downloads_the_report(page, demo):
    association = Association.objects.get(slug=SLUG)
    kansli = User.objects.get(username=f"{SLUG}-kansli")
    with scopes_disabled():  # the demo's 2022 plan, budget, outcome and follow-up
        plan = load_demo_plan(association, before_approval=load_demo_budget)
        load_demo_budget(plan)
        load_demo_outcome(plan, user=kansli)
        load_demo_followup(association, plan)
    with scope(association=association):
        report = report_create(
            association=association,
            acting_user=kansli,
            year=2022,
            kind=AnnualReport.Kind.ANNUAL,
            title="Verksamhetsberättelse 2022",
        )
    login(page, demo, f"{SLUG}-styrelse")
    page.goto(f"{demo}/f/{SLUG}/reports/{report.pk}/document/")
    expect(page.locator("h1")).to_have_text(report.title)
    expect(page.locator("#finances th").filter(has_text="Avvikelse").first).to_be_visible()
    expect(page.locator("#interventions figure.chart svg").first).to_be_visible()
    assert_no_axe_violations(page)

    link = page.locator(f"nav a[href$='/reports/{report.pk}/document.pdf']")
    expect(link).to_have_count(1)
    response = page.context.request.get(link.evaluate("a => a.href"), timeout=120_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages]
    assert report.title.split()[0] in pages[0]
    # The outcome and its deviations: Samordningsteam FNS, 1 523 000 kr budgeted and
    # 1 561 200 kr in the books: +38 200 kr.
    text = " ".join(pages).replace("\xa0", " ")
    assert "Avvikelse" in text and "1 561 200" in text and "+38 200" in text

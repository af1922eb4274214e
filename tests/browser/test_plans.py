"""Plans in a real browser: every role reads the plan, kansli edits a draft through
every form, next year's plan is started from this year's, and every page we reach
passes axe-core's WCAG 2.1 AA rules."""

import re

import pytest
from django.utils import translation
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from associations.models import Association
from budgets.demo import load_demo_budget
from plans.demo import load_demo_plan
from plans.models import (
    Goal,
    GoalArea,
    Intervention,
    MeasurementPoint,
    Plan,
    PlanIntervention,
    Section,
    StaffingLine,
)
from tests.browser.conftest import assert_no_axe_violations, login

pytestmark = pytest.mark.browser

SAMSPELET = "samspelet"
INSJORIKET = "insjoriket"
SAMSPELET_2022 = "Verksamhetsplan och budget år 2022"
SAMSPELET_2023 = "Verksamhetsplan och budget år 2023"


def sv(msgid, **params):
    """The UI's Swedish text for ``msgid``, from the compiled catalogue.

    The Swedish catalogue is being completed; an entry that is still missing (or
    fuzzy) shows its English msgid in the UI, and so it does here.
    """
    with translation.override("sv"):
        text = translation.gettext(msgid)
    return text % params if params else text


def load_plan(slug) -> Plan:
    """The förbund's demo plan (loaded once per test database)."""
    with scopes_disabled():
        return load_demo_plan(Association.objects.get(slug=slug), before_approval=load_demo_budget)


def plan_url(base, slug, plan_pk, rest=""):
    return f"{base}/f/{slug}/plans/{plan_pk}/{rest}"


def anchor_pk(page, prefix):
    """The pk in the ``#<prefix>-<pk>`` anchor a save redirects to."""
    match = re.search(rf"#{prefix}-(\d+)$", page.url)
    assert match, f"expected #{prefix}-<pk> in {page.url}"
    return int(match.group(1))


def save(page):
    """Submit the page's form with its save button (an <input type=submit>)."""
    page.locator("main form input[type='submit'][name='submit']").click()


def expect_saved(page):
    expect(page.get_by_role("status")).to_have_text(sv("Saved."))


def axe_failure(page):
    """axe's report for the page, or None when it has no violations."""
    try:
        assert_no_axe_violations(page)
    except pytest.fail.Exception as failure:
        return str(failure)
    return None


# 1. axe on the plan pages and every form ---------------------------------------


@pytest.mark.parametrize("role", ["kansli", "styrelse", "projektledare", "revisor"])
def test_plan_list_and_plan_page_are_accessible_for_each_role(demo, page, role):
    plan = load_plan(SAMSPELET)
    login(page, demo, f"{SAMSPELET}-{role}")
    page.goto(f"{demo}/f/{SAMSPELET}/plans/")
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Verksamhetsplaner"))
    assert_no_axe_violations(page)

    page.get_by_role("main").get_by_role("link", name=SAMSPELET_2022, exact=True).click()
    expect(page).to_have_url(plan_url(demo, SAMSPELET, plan.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text(SAMSPELET_2022)
    article = page.locator("article")
    expect(article).to_contain_text("Stegen Karlstad")
    # Years are written as years, not as numbers with a thousands separator.
    expect(article.locator("#interventions")).to_contain_text(f"{sv('since')} 2020")
    expect(article).not_to_contain_text("2 020")
    assert_no_axe_violations(page)


def insjoriket_parts(plan):
    with scopes_disabled():
        entry = PlanIntervention.objects.filter(plan=plan).order_by("order", "pk").first()
        return {
            "section": Section.objects.filter(plan=plan).order_by("order", "pk").first(),
            "area": GoalArea.objects.filter(plan=plan).order_by("order", "pk").first(),
            "goal": Goal.objects.filter(plan=plan, goal_area__isnull=False)
            .order_by("order", "pk")
            .first(),
            "point": MeasurementPoint.objects.filter(plan=plan).order_by("order", "pk").first(),
            "entry": entry,
        }


def test_draft_plan_and_every_form_are_accessible_for_kansli(demo, page):
    plan = load_plan(INSJORIKET)
    assert plan.status == Plan.Status.DRAFT
    parts = insjoriket_parts(plan)
    login(page, demo, f"{INSJORIKET}-kansli")

    failures = []

    def check(rest, heading):
        page.goto(plan_url(demo, INSJORIKET, plan.pk, rest))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        report = axe_failure(page)
        if report:
            failures.append(report)

    # The plan page with its edit controls.
    check("", plan.title)
    expect(page.locator("article .part-actions").first).to_be_visible()

    section, area, goal = parts["section"], parts["area"], parts["goal"]
    point, entry = parts["point"], parts["entry"]
    pages = [
        ("edit/", sv("Edit the plan's title and years")),
        ("copy/", sv("Start next year's plan")),
        ("sections/new/", sv("Add a section")),
        (f"sections/{section.pk}/edit/", sv("Edit section")),
        ("goal-areas/new/", sv("Add a goal area")),
        (f"goals/new/?goal_area={area.pk}", sv("Add a goal")),
        (f"points/new/?goal={goal.pk}", sv("Add a measurement point")),
        (f"points/{point.pk}/edit/", sv("Edit measurement point")),
        ("interventions/new/", sv("Add an intervention")),
        (f"interventions/{entry.pk}/edit/", sv("Edit intervention")),
        (f"staffing/new/?plan_intervention={entry.pk}", sv("Add a staffing line")),
        ("controls/new/", sv("Add a row to the internal control plan")),
        ("communication/new/", sv("Add a row to the communication plan")),
        (f"sections/{section.pk}/delete/", sv("Remove")),
    ]
    for rest, heading in pages:
        check(rest, heading)

    # A share above 100 %: the server's Swedish message next to the field, nothing saved.
    check(f"points/new/?goal={goal.pk}", sv("Add a measurement point"))
    expect(page.get_by_label("Hör till")).to_have_value(f"goal-{goal.pk}")
    page.locator("#id_text").fill("Andel deltagare som känner sig delaktiga")
    page.locator("#id_kind").select_option("share_target")
    target = page.locator("#id_target_percent")
    target.fill("150")
    save(page)
    message = "The target percent must be between 0 and 100."
    assert sv(message) != message, "the message has no Swedish translation"
    expect(page.locator("#div_id_target_percent .invalid-feedback")).to_have_text(sv(message))
    expect(target).to_have_attribute("aria-invalid", "true")
    expect(target).to_have_value("150")
    expect(page.get_by_role("status")).to_have_count(0)
    with scopes_disabled():
        assert not MeasurementPoint.objects.filter(
            plan=plan, text="Andel deltagare som känner sig delaktiga"
        ).exists()
    report = axe_failure(page)
    if report:
        failures.append(report)

    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


# 2. Next year's plan from this year's, then edited through the forms -------------


def test_kansli_starts_2023_from_2022_and_edits_it(demo, page):
    source = load_plan(SAMSPELET)
    with scopes_disabled():
        source_section = Section.objects.filter(plan=source).order_by("order", "pk").first()
        source_body = source_section.body
    login(page, demo, f"{SAMSPELET}-kansli")
    page.goto(f"{demo}/f/{SAMSPELET}/plans/")
    page.get_by_role("main").get_by_role("link", name=SAMSPELET_2022, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SAMSPELET_2022)

    # The approved plan has no edit controls, only the way to next year's plan.
    expect(page.locator("article .part-actions")).to_have_count(0)
    copy_link = page.get_by_role(
        "link",
        name=re.compile(
            r"^(Starta planen för 2023 från den här|Start the plan for 2023 from this one)$"
        ),
    )
    expect(copy_link).to_have_attribute("href", f"/f/{SAMSPELET}/plans/{source.pk}/copy/")
    copy_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Start next year's plan"))
    expect(page.get_by_role("main")).to_contain_text(SAMSPELET_2022)
    expect(page.get_by_role("main").locator("p").first).to_contain_text("2023")
    page.get_by_role("button", name=sv("Create the draft"), exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(SAMSPELET_2023)
    match = re.search(rf"/f/{SAMSPELET}/plans/(\d+)/$", page.url)
    assert match, page.url
    new_pk = int(match.group(1))
    assert new_pk != source.pk
    expect(page.get_by_role("status")).to_contain_text(SAMSPELET_2023)
    expect(page.locator("article header")).to_contain_text(sv("Draft"))
    plan_page = plan_url(demo, SAMSPELET, new_pk)

    # Edit the first section's text.
    first_section = page.locator("article section[id^='section-']").first
    section_pk = int(first_section.get_attribute("id").removeprefix("section-"))
    first_section.locator(f"a[href$='/sections/{section_pk}/edit/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Edit section"))
    expect(page.locator("#id_body")).to_have_value(source_body)
    new_body = "Inledningen för 2023, skriven i webbläsaren.\n\nEtt andra stycke."
    page.locator("#id_body").fill(new_body)
    save(page)
    expect(page).to_have_url(f"{plan_page}#section-{section_pk}")
    expect_saved(page)
    section = page.locator(f"#section-{section_pk}")
    expect(section).to_contain_text("Inledningen för 2023, skriven i webbläsaren.")
    expect(section.locator("p").nth(1)).to_have_text("Ett andra stycke.")

    # A goal under the first goal area.
    page.locator("article a[href*='/goals/new/?goal_area=']").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Add a goal"))
    expect(page.get_by_label("Hör till")).to_have_value(re.compile(r"^goal_area-\d+$"))
    page.locator("#id_level").select_option("delmal")
    goal_text = "Fler deltagare når egen försörjning 2023"
    page.locator("#id_text").fill(goal_text)
    save(page)
    expect_saved(page)
    goal_pk = anchor_pk(page, "goal")

    # Two measurement points of different kinds for that goal.
    page.locator(f"#goal-{goal_pk} a[href$='/points/new/?goal={goal_pk}']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Add a measurement point"))
    expect(page.get_by_label("Hör till")).to_have_value(f"goal-{goal_pk}")
    page.locator("#id_text").fill("Antal deltagare i insatserna")
    page.locator("#id_kind").select_option("count_floor")
    page.locator("#id_target_count").fill("200")
    save(page)
    expect_saved(page)
    count_pk = anchor_pk(page, "point")

    page.locator(f"#goal-{goal_pk} a[href$='/points/new/?goal={goal_pk}']").click()
    page.locator("#id_text").fill("Ny samverkansöverenskommelse klar")
    page.locator("#id_kind").select_option("milestone")
    page.locator("#id_deadline").fill("2023-09-30")
    save(page)
    expect_saved(page)
    milestone_pk = anchor_pk(page, "point")

    # A new intervention, and a staffing line for it.
    page.locator("#interventions a[href$='/interventions/new/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Add an intervention"))
    page.locator("#id_name").fill("Testinsats")
    page.locator("#id_kind").select_option("individ")
    save(page)
    expect_saved(page)
    entry_pk = anchor_pk(page, "intervention")

    page.locator(f"#intervention-{entry_pk} a[href*='/staffing/new/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(sv("Add a staffing line"))
    expect(page.locator("#id_plan_intervention")).to_have_value(str(entry_pk))
    page.locator("#id_role").fill("Case manager")
    page.locator("#id_percent").fill("50")
    save(page)
    expect_saved(page)
    staffing_pk = anchor_pk(page, "staffing")

    # All of it on the plan page.
    page.goto(plan_page)
    expect(page.locator(f"#section-{section_pk}")).to_contain_text(
        "Inledningen för 2023, skriven i webbläsaren."
    )
    goal = page.locator(f"#goal-{goal_pk}")
    expect(goal).to_contain_text(goal_text)
    count_point = goal.locator(f"#point-{count_pk}")
    expect(count_point).to_contain_text("Antal deltagare i insatserna")
    expect(count_point).to_contain_text(sv("at least %(n)s", n=200))
    milestone = goal.locator(f"#point-{milestone_pk}")
    expect(milestone).to_contain_text("Ny samverkansöverenskommelse klar")
    expect(milestone).to_contain_text(sv("by %(date)s", date="2023-09-30"))
    entry = page.locator(f"#intervention-{entry_pk}")
    expect(entry.get_by_role("heading", level=3)).to_have_text("Testinsats")
    expect(entry).to_contain_text(sv("Individual (individinriktad)"))
    staffing = entry.locator(f"#staffing-{staffing_pk}")
    expect(staffing.get_by_role("cell").nth(0)).to_have_text("Case manager")
    expect(staffing.get_by_role("cell").nth(2)).to_have_text("50 %")
    expect(page.get_by_role("navigation", name=sv("Contents of the plan"))).to_contain_text(
        "Testinsats"
    )

    with scopes_disabled():
        new_plan = Plan.objects.get(pk=new_pk)
        assert (new_plan.year, new_plan.status, new_plan.copied_from_id) == (
            2023,
            Plan.Status.DRAFT,
            source.pk,
        )
        # The browser sends a textarea's line breaks as CRLF.
        assert Section.objects.get(pk=section_pk).body.replace("\r\n", "\n") == new_body
        points = MeasurementPoint.objects.filter(goal_id=goal_pk).order_by("order")
        assert [(p.kind, p.target_count, str(p.deadline)) for p in points] == [
            ("count_floor", 200, "None"),
            ("milestone", None, "2023-09-30"),
        ]
        line = StaffingLine.objects.get(pk=staffing_pk)
        assert (line.plan_intervention_id, line.role, line.percent) == (
            entry_pk,
            "Case manager",
            50,
        )
        assert Intervention.objects.get(association__slug=SAMSPELET, name="Testinsats").kind == (
            Intervention.Kind.INDIVIDUAL
        )
        # The 2022 plan is untouched.
        source_section.refresh_from_db()
        assert source_section.body == source_body
        assert source_section.plan_id == source.pk
        assert not Goal.objects.filter(plan=source, text=goal_text).exists()
        assert not PlanIntervention.objects.filter(
            plan=source, intervention__name="Testinsats"
        ).exists()

    # The budget came along a year on, and "What changed" compares each year's figures.
    page.goto(f"{demo}/f/{SAMSPELET}/budgets/plans/{new_pk}/")
    budget_table = page.get_by_role("main").locator("table").first
    for heading in ["Beslutad Budget 2022", "Prognos Budget 2022", "Budget 2023"]:
        expect(budget_table.get_by_role("columnheader", name=heading)).to_be_visible()
    page.goto(f"{demo}/f/{SAMSPELET}/plans/{new_pk}/changes/")
    expect(page.get_by_role("main")).to_contain_text("Beslutad Budget 2022 (tidigare: Budget 2022)")
    expect(page.get_by_role("main")).not_to_contain_text("**")
    assert_no_axe_violations(page)


# 3.-4. Who may not ----------------------------------------------------------------


def test_projektledare_reads_the_draft_without_edit_controls(demo, page):
    plan = load_plan(INSJORIKET)
    section = insjoriket_parts(plan)["section"]
    login(page, demo, f"{INSJORIKET}-projektledare")
    page.goto(plan_url(demo, INSJORIKET, plan.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text(plan.title)
    article = page.locator("article")
    expect(article).to_contain_text("ACTivera Mölndal")
    expect(article.get_by_role("link", name=re.compile(r"^(Ändra|Edit)\b"))).to_have_count(0)
    expect(article.get_by_role("link", name=re.compile(r"^(Lägg till|Add)\b"))).to_have_count(0)
    expect(
        article.locator(
            "a[href*='/edit/'], a[href*='/new/'], a[href*='/delete/'], a[href$='/copy/']"
        )
    ).to_have_count(0)
    expect(article.locator("form, .part-actions")).to_have_count(0)

    for rest in ["sections/new/", f"sections/{section.pk}/edit/"]:
        response = page.goto(plan_url(demo, INSJORIKET, plan.pk, rest))
        assert response.status == 403, (rest, response.status)
        expect(page.get_by_role("heading", level=1)).to_have_text(sv("Not allowed"))
    assert_no_axe_violations(page)


def test_another_forbunds_plan_is_not_found(demo, page):
    plan = load_plan(SAMSPELET)
    login(page, demo, "ostra-varmland-kansli")
    for rest in ["", "copy/"]:
        response = page.goto(plan_url(demo, SAMSPELET, plan.pk, rest))
        assert response.status == 404, (rest, response.status)
        expect(page.get_by_role("heading", level=1)).to_have_text(sv("Page not found"))
        expect(page.get_by_role("main")).not_to_contain_text("Samspelet")
        expect(page.get_by_role("main")).not_to_contain_text(SAMSPELET_2022)
    assert_no_axe_violations(page)


# 5. Rich text --------------------------------------------------------------------


def test_section_text_is_rendered_safely(demo, page):
    plan = load_plan(INSJORIKET)
    section = insjoriket_parts(plan)["section"]
    login(page, demo, f"{INSJORIKET}-kansli")
    page.goto(plan_url(demo, INSJORIKET, plan.pk, f"sections/{section.pk}/edit/"))
    body = "<script>window.__x=1</script> **fet** [länk](javascript:alert(1))"
    page.locator("#id_body").fill(body)
    save(page)
    expect(page).to_have_url(plan_url(demo, INSJORIKET, plan.pk) + f"#section-{section.pk}")
    expect_saved(page)

    rendered = page.locator(f"#section-{section.pk}")
    expect(rendered.locator("strong")).to_have_text("fet")
    # The tag is shown as text, never run.
    expect(rendered).to_contain_text("<script>window.__x=1</script>")
    expect(rendered.locator("script")).to_have_count(0)
    assert page.evaluate("typeof window.__x") == "undefined"
    # No javascript: link anywhere on the page.
    expect(page.locator("a[href^='javascript:' i]")).to_have_count(0)
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.protocol)")
    assert "javascript:" not in hrefs
    with scopes_disabled():
        assert Section.objects.get(pk=section.pk).body == body


# 6. Optimistic locking -----------------------------------------------------------


@pytest.fixture
def second_page(browser):
    """Another browser context (its own cookies), as a second tab of the same user."""
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_concurrent_section_edits_conflict_without_losing_either(demo, page, second_page):
    plan = load_plan(INSJORIKET)
    section = insjoriket_parts(plan)["section"]
    edit_url = plan_url(demo, INSJORIKET, plan.pk, f"sections/{section.pk}/edit/")
    first, second = page, second_page
    for tab in (first, second):
        login(tab, demo, f"{INSJORIKET}-kansli")
        tab.goto(edit_url)
        expect(tab.locator("#id_body")).to_have_value(section.body)

    first_text = "Texten som sparades först."
    second_text = "Texten som skrevs samtidigt i en annan flik."
    first.locator("#id_body").fill(first_text)
    save(first)
    expect_saved(first)

    second.locator("#id_body").fill(second_text)
    save(second)
    expect(second).to_have_url(edit_url)
    expect(second.get_by_role("status")).to_have_count(0)
    expect(second.locator("main form")).to_contain_text(
        sv(
            "Someone else saved a change to this while you were editing. Your changes "
            "have not been saved; they are still in the form. Compare with the saved "
            "version below and save again to keep yours."
        )
    )
    saved_version = second.get_by_role("alert").filter(
        has=second.get_by_role("heading", name=sv("The version saved by someone else"))
    )
    expect(saved_version).to_contain_text(first_text)
    expect(second.locator("#id_body")).to_have_value(second_text)
    with scopes_disabled():
        stored = Section.objects.get(pk=section.pk)
        assert (stored.body, stored.version) == (first_text, section.version + 1)
    assert_no_axe_violations(second)

    # Saving again, having seen the other version, keeps the second text.
    save(second)
    expect_saved(second)
    with scopes_disabled():
        stored = Section.objects.get(pk=section.pk)
        assert (stored.body, stored.version) == (second_text, section.version + 2)

"""Follow-up pages as the roles use them."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook

from followup import services, workflow
from followup.models import InterventionFollowUp, Measure, QuarterReport, QuarterValue
from followup.suppression import LOW_LABEL
from plans.models import MeasurementPoint
from tests.factories import MeasurementPointFactory, PlanInterventionFactory

from .conftest import counts


def url(association, name, **kwargs):
    return reverse(f"followup:{name}", kwargs={"association_slug": association.slug, **kwargs})


def quarter_url(intervention, quarter=1, year=2022):
    return reverse(
        "followup:quarter",
        kwargs={
            "association_slug": "forbund-a",
            "pk": intervention.pk,
            "year": year,
            "quarter": quarter,
        },
    )


def form_data(measures, **values):
    data = {"comment": "", "version": ""}
    for key, (women, men) in values.items():
        data[f"m{measures[key].pk}_women"] = women
        data[f"m{measures[key].pk}_men"] = men
    return data


def test_projektledare_enters_and_submits_a_quarter(client, intervention, members, measures):
    client.force_login(members["projektledare"])
    page = client.get(quarter_url(intervention))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="m{measures["active"].pk}_women"' in html
    assert "personnummer" not in html.lower() and 'name="name"' not in html
    data = form_data(measures, new=(3, 2), active=(12, 9), ended=(2, 1))
    response = client.post(quarter_url(intervention), {**data, "submit_quarter": ""})
    assert response.status_code == 302
    with scopes_disabled():
        report = QuarterReport.objects.get()
        assert report.status == "submitted"
        assert QuarterValue.objects.get(measure=measures["active"], gender="men").value == 9


def test_projektledare_cannot_reach_another_interventions_form(
    client, other_intervention, members, measures
):
    client.force_login(members["projektledare"])
    assert client.get(quarter_url(other_intervention)).status_code == 403
    data = form_data(measures, active=(1, 1))
    assert client.post(quarter_url(other_intervention), data).status_code == 403
    with scopes_disabled():
        assert not QuarterReport.objects.exists()


def test_a_broken_rule_shows_a_message_and_writes_nothing(client, intervention, members, measures):
    client.force_login(members["projektledare"])
    data = form_data(measures, active=(4, 4), ended=(5, 0))
    response = client.post(quarter_url(intervention), data)
    assert response.status_code == 200
    assert response.context["form"].errors[f"m{measures['ended'].pk}_women"]
    with scopes_disabled():
        assert not QuarterReport.objects.exists()


def test_a_count_too_large_to_keep_is_refused_not_a_server_error(
    client, intervention, members, measures
):
    client.force_login(members["projektledare"])
    data = form_data(measures, active=(10**20, 4))
    response = client.post(quarter_url(intervention), data)
    assert response.status_code == 200
    assert response.context["form"].errors[f"m{measures['active'].pk}_women"]
    with scopes_disabled():
        assert not QuarterReport.objects.exists()


def test_next_quarter_starts_from_those_still_active(client, intervention, members, measures):
    with scope(association=intervention.association):
        services.quarter_report_save(
            intervention=intervention,
            year=2022,
            quarter=1,
            acting_user=members["kansli"],
            expected_version=None,
            values=counts(measures, active=(12, 9), ended=(2, 1)),
        )
    client.force_login(members["projektledare"])
    form = client.get(quarter_url(intervention, quarter=2)).context["form"]
    assert form.initial[f"m{measures['active'].pk}_women"] == 10
    assert form.initial[f"m{measures['active'].pk}_men"] == 8


def submitted(intervention, members, measures, **values):
    with scope(association=intervention.association):
        report = services.quarter_report_save(
            intervention=intervention,
            year=2022,
            quarter=1,
            acting_user=members["projektledare"],
            expected_version=None,
            values=counts(measures, **values),
        )
        return services.quarter_report_transition(
            report=report, acting_user=members["projektledare"], action=workflow.SUBMIT
        )


def transition_url(intervention):
    return reverse(
        "followup:quarter_transition",
        kwargs={"association_slug": "forbund-a", "pk": intervention.pk, "year": 2022, "quarter": 1},
    )


def test_kansli_returns_with_a_reason_the_projektledare_sees_then_approves(
    client, intervention, members, measures
):
    submitted(intervention, members, measures, active=(10, 8))
    client.force_login(members["projektledare"])
    assert client.post(transition_url(intervention), {"action": "approve"}).status_code == 403
    client.force_login(members["kansli"])
    client.post(transition_url(intervention), {"action": "return", "reason": "Män saknas i K1"})
    client.force_login(members["projektledare"])
    page = client.get(quarter_url(intervention)).content.decode()
    assert "Män saknas i K1" in page
    client.post(quarter_url(intervention), {**form_data(measures, active=(10, 9)), "version": 3})
    client.post(transition_url(intervention), {"action": "submit"})
    client.force_login(members["kansli"])
    client.post(transition_url(intervention), {"action": "approve"})
    with scopes_disabled():
        assert QuarterReport.objects.get().status == "approved"
    # Locked: the projektledare's form is read only.
    client.force_login(members["projektledare"])
    assert client.post(quarter_url(intervention), form_data(measures)).status_code == 403


def dashboard_html(client, user, association):
    client.force_login(user)
    response = client.get(url(association, "dashboard") + "?year=2022")
    assert response.status_code == 200
    return response.content.decode()


def test_the_dashboard_shows_small_counts_to_the_kansli_only(
    client, association, intervention, members, measures
):
    submitted(intervention, members, measures, new=(3, 7), active=(3, 12))
    with scope(association=association):
        MeasurementPointFactory(
            association=association,
            plan=intervention.plan_entries.get().plan,
            text="Minst 10 deltar",
            target_count=10,
            measure="participants",
        ).counted_interventions.add(intervention)
    kansli = dashboard_html(client, members["kansli"], association)
    board = dashboard_html(client, members["styrelse"], association)
    low = str(LOW_LABEL)
    assert low not in kansli.split("</h1>", 1)[1].split("Minst 10 deltar")[1]
    assert '<td class="num">3</td>' in kansli
    assert f'<td class="num">{low}</td>' in board and '<td class="num">3</td>' not in board
    charts = re.findall(r"<svg.*?</svg>", board, flags=re.S)
    assert charts and not any("<script" in chart for chart in charts)
    # The measurement point is evaluated: 15 participants against at least 10.
    assert "Minst 10 deltar" in kansli and '<td class="num">15</td>' in kansli


def test_the_export_opens_as_a_workbook_and_as_csv(
    client, association, intervention, members, measures
):
    submitted(intervention, members, measures, new=(3, 7), active=(8, 12))
    client.force_login(members["kansli"])
    response = client.get(url(association, "export_excel") + "?year=2022")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    header, data = rows[0], rows[1:]
    assert len(data) == 2  # one row per gender for the one quarter
    active = header.index(measures["active"].name)
    assert sorted(row[active] for row in data) == [8, 12]
    response = client.get(url(association, "export_csv") + "?year=2022")
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(lines) == 3 and lines[1][0] == intervention.name
    # Others get small counts suppressed in the export too.
    client.force_login(members["revisor"])
    text = client.get(url(association, "export_csv") + "?year=2022").content.decode("utf-8-sig")
    assert str(LOW_LABEL) in text


def test_settings_form_for_the_kansli(client, association, intervention, members):
    client.force_login(members["kansli"])
    settings_url = url(association, "settings", pk=intervention.pk)
    page = client.get(settings_url)
    assert page.status_code == 200
    # The standard measures are offered before they are saved; choosing one saves them.
    assert 'value="active"' in page.content.decode()
    response = client.post(
        settings_url,
        {"focus": "individ", "method": "aggregated", "precise_focus": "X", "measures": ["active"]},
    )
    assert response.status_code == 302
    with scopes_disabled():
        active = Measure.objects.get(association=association, key="active")
        assert list(intervention.followup.measures.all()) == [active]


def test_settings_form_offers_saved_measures_by_id(
    client, association, intervention, members, measures
):
    client.force_login(members["kansli"])
    settings_url = url(association, "settings", pk=intervention.pk)
    active = measures["active"]
    assert f'value="{active.pk}"' in client.get(settings_url).content.decode()
    response = client.post(
        settings_url,
        {"focus": "individ", "method": "aggregated", "precise_focus": "X", "measures": [active.pk]},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert list(intervention.followup.measures.all()) == [active]


def row_counts():
    with scopes_disabled():
        return {
            model.__name__: model.objects.count()
            for model in (Measure, QuarterReport, QuarterValue, InterventionFollowUp)
        }


@pytest.mark.parametrize("role", ["kansli", "projektledare"])
def test_the_quarter_page_writes_nothing_on_get(client, intervention, members, role):
    client.force_login(members[role])
    before = row_counts()
    page = client.get(quarter_url(intervention))
    assert page.status_code == 200
    assert 'name="mactive_women"' in page.content.decode()  # standard, not saved yet
    assert row_counts() == before


def test_the_settings_page_writes_nothing_on_get(client, association, intervention, members):
    client.force_login(members["kansli"])
    before = row_counts()
    assert client.get(url(association, "settings", pk=intervention.pk)).status_code == 200
    assert row_counts() == before


def test_figures_typed_before_the_standard_measures_were_saved_are_kept(
    client, intervention, members
):
    """The first POST saves the standard measures the page showed unsaved, with the figures."""
    client.force_login(members["projektledare"])
    client.get(quarter_url(intervention))
    data = {"comment": "", "version": "", "mactive_women": 7, "mactive_men": 5}
    assert client.post(quarter_url(intervention), data).status_code == 302
    with scopes_disabled():
        active = Measure.objects.get(association=intervention.association, key="active")
        values = {v.gender: v.value for v in QuarterValue.objects.filter(measure=active)}
    assert values == {"women": 7, "men": 5}


def test_kansli_sets_the_status_of_a_qualitative_point(client, association, plan, members):
    with scope(association=association):
        point = MeasurementPointFactory(
            association=association, plan=plan, kind="qualitative", target_count=None
        )
    client.force_login(members["kansli"])
    response = client.post(
        url(association, "point_assessment", pk=point.pk),
        {"status": "on_track", "comment": "Workshop hölls", "assessed_on": "2022-10-01"},
    )
    assert response.status_code == 302
    html = dashboard_html(client, members["revisor"], association)
    assert "Workshop hölls" in html and "2022-10-01" in html


def test_the_status_page_names_the_point_it_sets(client, association, plan, members):
    """ "Ange status" opened a page titled "Status för en mätpunkt" that never said which."""
    with scope(association=association):
        point = MeasurementPointFactory(
            association=association,
            plan=plan,
            kind="qualitative",
            target_count=None,
            text="Styrgrupperna får utbildning i styrgruppsarbete",
        )
    client.force_login(members["kansli"])
    html = client.get(url(association, "point_assessment", pk=point.pk)).content.decode()
    assert "Styrgrupperna får utbildning i styrgruppsarbete" in html


def make_interventions(association, plan, measures, *, interventions, years):
    """``interventions`` interventions, each with every quarter of ``years`` submitted."""
    with scope(association=association):
        for n in range(interventions):
            entry = PlanInterventionFactory(association=association, plan=plan)
            reports = QuarterReport.objects.bulk_create(
                QuarterReport(
                    association=association,
                    intervention=entry.intervention,
                    year=year,
                    quarter=quarter,
                    status="submitted",
                )
                for year in years
                for quarter in (1, 2, 3, 4)
            )
            QuarterValue.objects.bulk_create(
                QuarterValue(
                    association=association,
                    report=report,
                    measure=measures[key],
                    gender=gender,
                    value=value,
                )
                for report in reports
                for key, value in (("active", 10 + n), ("new", 3))
                for gender in ("women", "men")
            )
            point = MeasurementPoint.objects.create(
                association=association,
                plan=plan,
                plan_intervention=entry,
                kind="count_floor",
                text=f"Minst {n} deltar",
                target_count=20,
            )
            point.counted_interventions.add(entry.intervention)


@pytest.mark.parametrize("role", ["kansli", "styrelse"])
def test_dashboard_query_count_is_flat(client, association, members, measures, role):
    with scope(association=association):
        from tests.factories import PlanFactory

        plan = PlanFactory(association=association, year=2013, end_year=2018)
        later = PlanFactory(association=association, year=2019, end_year=2022, title="VP 2019")
    make_interventions(association, later, measures, interventions=5, years=[2022])
    client.force_login(members[role])
    page = url(association, "dashboard") + "?year=2022"
    client.get(page)
    with CaptureQueriesContext(connection) as small:
        assert client.get(page).status_code == 200
    make_interventions(association, later, measures, interventions=45, years=range(2013, 2023))
    assert plan.pk
    with CaptureQueriesContext(connection) as large:
        response = client.get(page)
    assert response.status_code == 200
    assert len(response.context["blocks"]) == 50
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_activity_count_is_evaluated_once_the_kansli_names_its_measure(
    client, association, plan, intervention, members, measures
):
    with scope(association=association):
        point = MeasurementPointFactory(
            association=association,
            plan=plan,
            kind="activity_count",
            text="Minst 4 möten",
            target_count=4,
            activity="möten",
            measure="activities",
        )
        services.followup_settings_save(
            intervention=intervention,
            acting_user=members["kansli"],
            expected_version=None,
            focus="individ",
            precise_focus="",
            method="aggregated",
            esf_funded=False,
            measures=[measures["active"], measures["consultations"]],
        )
    submitted(intervention, members, measures, active=(5, 5), consultations=6)
    client.force_login(members["kansli"])
    client.post(
        url(association, "point_assessment", pk=point.pk),
        {
            "status": "",
            "comment": "",
            "assessed_on": "2022-12-01",
            "measure": measures["consultations"].pk,
        },
    )
    # The existing assessment keeps its date in the form.
    form = client.get(url(association, "point_assessment", pk=point.pk)).context["form"]
    assert str(form["assessed_on"].value()) == "2022-12-01"
    rows = client.get(url(association, "dashboard") + "?year=2022").context["points"]
    row = next(r for r in rows if r.point.pk == point.pk)
    assert row.result.automatic and row.result.figure == 6 and row.result.status == "reached"


def test_the_dashboard_opens_with_a_summary_per_goal_area_in_the_plans_order(
    client, association, plan, intervention, members, measures
):
    from tests.factories import GoalAreaFactory, GoalFactory

    submitted(intervention, members, measures, active=(6, 6), ended=(2, 1), ended_work=(0, 1))
    with scope(association=association):
        second = GoalAreaFactory(association=association, plan=plan, name="A sist", order=2)
        first = GoalAreaFactory(association=association, plan=plan, name="Ö först", order=1)
        for area, fields in [
            (first, {"measure": "participants", "target_count": 10}),  # 12: reached
            (first, {"measure": "", "target_count": 10}),  # no measure: not assessed
            (second, {"measure": "ended_work", "target_count": 3}),  # 1 of 3
        ]:
            goal = GoalFactory(association=association, plan=plan, goal_area=area)
            MeasurementPointFactory(
                association=association, plan=plan, goal=goal, text="Minst", **fields
            ).counted_interventions.add(intervention)
    client.force_login(members["kansli"])
    response = client.get(url(association, "dashboard") + "?year=2022")
    summary = response.context["summary"]
    # 2022 is over: 1 of 3 into work is not reached.
    assert [(row.name, row.cells) for row in summary.rows] == [
        ("Ö först", [1, 0, 0, 0, 1]),
        ("A sist", [0, 0, 0, 1, 0]),
    ]
    html = response.content.decode()
    heading = html.index('id="summary"')
    assert heading < html.index('id="points"')  # at the top, before the points
    assert html.index("Ö först", heading) < html.index("A sist", heading)
    assert "avslutade till arbete" in html and "inget mått angivet" in html


def forms_in_main(html):
    return html.split("<main", 1)[1].split("</main>", 1)[0].count("<form")


def draft(intervention, members, measures, **values):
    with scope(association=intervention.association):
        return services.quarter_report_save(
            intervention=intervention,
            year=2022,
            quarter=1,
            acting_user=members["projektledare"],
            expected_version=None,
            values=counts(measures, **values),
        )


def test_a_draft_quarter_has_one_form_whose_submit_buttons_send_the_typed_figures(
    client, intervention, members, measures
):
    """The draft page once had a second "Skicka in" in its own form, which stored the old
    figures and locked the projektledare out."""
    report = draft(intervention, members, measures, active=(21, 4))
    client.force_login(members["projektledare"])
    html = client.get(quarter_url(intervention)).content.decode()
    assert forms_in_main(html) == 1
    assert html.count('name="submit_quarter"') == 1
    assert 'value="submit"' not in html
    data = {**form_data(measures, active=(25, 4)), "version": report.version}
    response = client.post(quarter_url(intervention), {**data, "submit_quarter": ""})
    assert response.status_code == 302
    with scopes_disabled():
        report.refresh_from_db()
        assert report.status == "submitted"
        assert QuarterValue.objects.get(measure=measures["active"], gender="women").value == 25


def test_the_kansli_approves_with_the_figures_it_just_corrected(
    client, intervention, members, measures
):
    report = submitted(intervention, members, measures, active=(10, 8))
    client.force_login(members["kansli"])
    html = client.get(quarter_url(intervention)).content.decode()
    assert forms_in_main(html) == 1
    data = {**form_data(measures, active=(11, 8)), "version": report.version}
    response = client.post(quarter_url(intervention), {**data, "action": "approve"})
    assert response.status_code == 302
    with scopes_disabled():
        report.refresh_from_db()
        assert report.status == "approved"
        assert QuarterValue.objects.get(measure=measures["active"], gender="women").value == 11


def test_returning_without_a_reason_keeps_the_typed_figures_and_saves_nothing(
    client, intervention, members, measures
):
    report = submitted(intervention, members, measures, active=(10, 8))
    client.force_login(members["kansli"])
    data = {**form_data(measures, active=(13, 8)), "version": report.version}
    response = client.post(quarter_url(intervention), {**data, "action": "return", "reason": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="13"' in html and "alert-danger" in html
    with scopes_disabled():
        report.refresh_from_db()
        assert report.status == "submitted"
        assert QuarterValue.objects.get(measure=measures["active"], gender="women").value == 10


def test_the_revisor_reads_every_quarter_and_its_history_but_changes_nothing(
    client, intervention, members, measures
):
    report = submitted(intervention, members, measures, active=(10, 8))
    client.force_login(members["revisor"])
    overview = client.get(url(intervention.association, "my_interventions") + "?year=2022")
    assert quarter_url(intervention) in overview.content.decode()
    page = client.get(quarter_url(intervention))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="history-heading"' in html and "Inskickad" in html
    assert "<button" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    data = {**form_data(measures, active=(99, 8)), "version": report.version}
    assert client.post(quarter_url(intervention), data).status_code == 403
    assert client.post(transition_url(intervention), {"action": "approve"}).status_code == 403
    with scopes_disabled():
        report.refresh_from_db()
        assert report.status == "submitted"
        assert QuarterValue.objects.get(measure=measures["active"], gender="women").value == 10

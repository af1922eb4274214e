"""The kansli drafts the annual report in the browser's forms; every role reads it.

On the demo's approved 2022 plans (``demo_plans``): creating a report from the plan
(refused without one, refused twice, once per double click), filling the figures again
without losing what the kansli wrote, each part's edit with its version check, the
frozen report, another förbund's report, the board member's reading and the small
counts suppressed for all but the kansli.
"""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from associations.models import Association, User
from plans.models import Plan
from reports.models import (
    AnnualReport,
    ControlResult,
    GoalResult,
    InterventionResult,
    ReportSection,
)
from reports.services import report_create, report_part_save

NV = "norra-vastmanland"
OV = "ostra-varmland"
ROLES = ["kansli", "styrelse", "projektledare", "revisor"]


def user(slug, role="kansli"):
    return User.objects.get(username=f"{slug}-{role}")


def association(slug=NV):
    return Association.objects.get(slug=slug)


def client_for(client, slug=NV, role="kansli"):
    client.force_login(user(slug, role))
    return client


def create_report(slug=NV, year=2022) -> AnnualReport:
    forbund = association(slug)
    with scope(association=forbund):
        return report_create(association=forbund, acting_user=user(slug), year=year, kind="annual")


def url(report, name, **kwargs):
    return reverse(
        f"reports:{name}",
        kwargs={"association_slug": report.association.slug, "report_pk": report.pk, **kwargs},
    )


def list_url(name, slug=NV):
    return reverse(f"reports:{name}", kwargs={"association_slug": slug})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def first(model, report):
    with scope(association=report.association):
        return model.objects.filter(report=report).order_by("order", "pk").first()


def fresh(instance):
    with scopes_disabled():
        return type(instance).objects.get(pk=instance.pk)


# Creating ------------------------------------------------------------------------


def test_kansli_creates_the_report_from_the_approved_plan(client, demo_plans):
    kansli = client_for(client)
    response = kansli.post(list_url("report_create"), {"year": 2022, "kind": "annual"})
    assert response.status_code == 302
    with scope(association=association()):
        report = AnnualReport.objects.get(year=2022)
        assert report.plan.status == Plan.Status.APPROVED
        assert response.url == url(report, "report_detail")
        assert report.title == "Annual report 2022" or "2022" in report.title
        assert GoalResult.objects.filter(report=report).exists()
        assert InterventionResult.objects.filter(report=report).exists()
        assert ReportSection.objects.filter(report=report).count() == 2
    page = kansli.get(response.url)
    assert page.status_code == 200
    assert report.title in page.content.decode()


def test_a_year_without_an_approved_plan_is_refused_on_the_form(client, demo_plans):
    response = client_for(client).post(list_url("report_create"), {"year": 2019, "kind": "annual"})
    assert response.status_code == 200
    assert "2019" in str(response.context["form"].errors["year"])
    with scopes_disabled():
        assert not AnnualReport.objects.exists()


def test_a_second_report_of_the_same_year_and_kind_is_refused(client, demo_plans):
    create_report()
    response = client_for(client).post(list_url("report_create"), {"year": 2022, "kind": "annual"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    with scopes_disabled():
        assert AnnualReport.objects.filter(association__slug=NV).count() == 1


def test_a_double_click_creates_one_report(client, demo_plans):
    kansli = client_for(client)
    form = {"year": 2022, "kind": "annual", "title": "", "submission_token": str(uuid.uuid4())}
    first_response = kansli.post(list_url("report_create"), form)
    second_response = kansli.post(list_url("report_create"), form)
    assert second_response.status_code == 302
    assert second_response.url == first_response.url
    with scopes_disabled():
        assert AnnualReport.objects.filter(association__slug=NV).count() == 1


def test_the_form_proposes_last_year(client, demo_plans):
    response = client_for(client).get(list_url("report_create"))
    from reports.forms import last_year

    assert response.context["form"]["year"].value() == last_year()


# Filling -------------------------------------------------------------------------


def test_taking_the_figures_again_keeps_what_the_kansli_wrote(client, demo_plans):
    report = create_report()
    goal, entry = first(GoalResult, report), first(InterventionResult, report)
    kansli = client_for(client)
    kansli.post(
        url(report, "goal_results_update", pk=goal.pk),
        {"outcome": "Tolv av femton", "status": "partly", "comment": "Nästan.", "version": 1},
    )
    kansli.post(
        url(report, "intervention_results_update", pk=entry.pk),
        {"narrative": "Ett bra år.", "version": 1},
    )
    with scopes_disabled():  # a figure that moved since: taken again
        InterventionResult.objects.filter(pk=entry.pk).update(participants_women=999)
    response = kansli.post(url(report, "report_fill"))
    assert response.status_code == 302
    assert messages_of(response)
    goal, entry = fresh(goal), fresh(entry)
    assert (goal.outcome, goal.status, goal.comment) == ("Tolv av femton", "partly", "Nästan.")
    assert entry.narrative == "Ett bra år."
    assert entry.participants_women != 999


# Editing -------------------------------------------------------------------------

# Östra Värmland's plan has an internal control plan (Norra Västmanland's has none).
EDITED = OV
EDITS = {
    "sections": (ReportSection, {"heading": "Förbundschefen har ordet", "body": "Ett år."}),
    "goal_results": (GoalResult, {"outcome": "42", "status": "reached", "comment": "Bra."}),
    "intervention_results": (InterventionResult, {"narrative": "Året i korthet."}),
    "control_results": (
        ControlResult,
        {"result": "deviation", "deviation": "Ett attestfel.", "action": "Rutinen ändrad."},
    ),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_each_part_is_saved_with_its_history(client, demo_plans, kind):
    model, data = EDITS[kind]
    report = create_report(EDITED)
    part = first(model, report)
    response = client_for(client, EDITED).post(
        url(report, f"{kind}_update", pk=part.pk), {**data, "version": part.version}
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#{kind.replace('_', '-')[:-1]}-{part.pk}")
    saved = fresh(part)
    assert {name: getattr(saved, name) for name in data} == data
    assert saved.version == part.version + 1
    with scopes_disabled():
        assert saved.history.first().history_user == user(EDITED)


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_a_stale_version_is_refused_and_the_input_kept(client, demo_plans, kind):
    model, data = EDITS[kind]
    report = create_report(EDITED)
    part = first(model, report)
    edit = url(report, f"{kind}_update", pk=part.pk)
    kansli = client_for(client, EDITED)
    assert kansli.post(edit, {**data, "version": part.version}).status_code == 302
    mine = {
        name: (f"{value} (mitt)" if name not in {"status", "result"} else value)
        for name, value in data.items()
    }
    response = kansli.post(edit, {**mine, "version": part.version})
    assert response.status_code == 200
    assert response.context["conflict_current"].pk == part.pk
    assert response.context["form"].non_field_errors()
    text_field = next(name for name in data if name not in {"status", "result"})
    assert response.context["form"][text_field].value() == mine[text_field]
    assert response.context["form"]["version"].value() == part.version + 1
    assert getattr(fresh(part), text_field) == data[text_field]


def test_sections_are_added_moved_and_removed(client, demo_plans):
    report = create_report()
    kansli = client_for(client)
    response = kansli.post(url(report, "sections_create"), {"heading": "Ekonomi", "body": "Text"})
    assert response.status_code == 302
    with scope(association=report.association):
        added = ReportSection.objects.get(report=report, heading="Ekonomi")
        assert added.order == 3
    kansli.post(url(report, "sections_move", pk=added.pk), {"direction": "up"})
    with scope(association=report.association):
        headings = list(
            ReportSection.objects.filter(report=report).values_list("heading", flat=True)
        )
    assert headings[1] == "Ekonomi"
    assert kansli.post(url(report, "sections_delete", pk=added.pk)).status_code == 302
    with scope(association=report.association):
        assert not ReportSection.objects.filter(pk=added.pk).exists()


def test_the_title_is_edited(client, demo_plans):
    report = create_report()
    response = client_for(client).post(
        url(report, "report_update"), {"title": "Verksamhetsberättelse 2022", "version": 1}
    )
    assert response.status_code == 302
    assert fresh(report).title == "Verksamhetsberättelse 2022"


def test_a_frozen_report_refuses_every_edit_with_a_message(client, demo_plans):
    report = create_report()
    section = first(ReportSection, report)
    with scopes_disabled():
        AnnualReport._base_manager.filter(pk=report.pk).update(status=Plan.Status.REVIEW)
    kansli = client_for(client)
    for target in [
        url(report, "report_update"),
        url(report, "sections_create"),
        url(report, "sections_update", pk=section.pk),
        url(report, "goal_results_update", pk=first(GoalResult, report).pk),
    ]:
        response = kansli.get(target)
        assert response.status_code == 302, target
        assert response.url == url(report, "report_detail")
        assert messages_of(response), target
    response = kansli.post(url(report, "sections_update", pk=section.pk), {"heading": "Ny"})
    assert response.status_code == 302
    response = kansli.post(url(report, "report_fill"))
    assert response.status_code == 302 and messages_of(response)
    assert fresh(section).heading == section.heading
    section.heading = "Ny"
    with scope(association=report.association), pytest.raises(ValidationError):
        report_part_save(instance=section, acting_user=user(NV), expected_version=1)
    page = kansli.get(url(report, "report_detail")).content.decode()
    assert url(report, "sections_update", pk=section.pk) not in page


# Who reads what ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_another_forbunds_report_is_not_found(client, demo_plans, role):
    report = create_report()
    stranger = client_for(client, OV, role)
    section = first(ReportSection, report)
    own_slug = reverse(
        "reports:report_detail", kwargs={"association_slug": OV, "report_pk": report.pk}
    )
    assert stranger.get(own_slug).status_code == 404
    assert stranger.get(url(report, "report_detail")).status_code == 404
    foreign_edit = reverse(
        "reports:sections_update",
        kwargs={"association_slug": OV, "report_pk": report.pk, "pk": section.pk},
    )
    assert stranger.get(foreign_edit).status_code == 404
    assert stranger.post(foreign_edit, {"heading": "X"}).status_code == 404


def test_the_board_member_reads_every_part_but_cannot_edit(client, demo_plans):
    report = create_report()
    board = client_for(client, NV, "styrelse")
    page = board.get(url(report, "report_detail"))
    assert page.status_code == 200
    html = page.content.decode()
    with scope(association=report.association):
        for section in ReportSection.objects.filter(report=report):
            assert section.heading in html
        for entry in InterventionResult.objects.filter(report=report).select_related(
            "plan_intervention"
        ):
            assert entry.plan_intervention.name in html
    assert "/edit/" not in html
    assert url(report, "report_fill") not in html
    goal = first(GoalResult, report)
    assert board.get(url(report, "goal_results_update", pk=goal.pk)).status_code == 403
    assert board.post(url(report, "report_fill")).status_code == 403
    assert (
        board.post(
            url(report, "goal_results_update", pk=goal.pk), {"status": "reached", "version": 1}
        ).status_code
        == 403
    )
    assert fresh(goal).version == goal.version
    assert client_for(client, NV, "styrelse").get(list_url("report_list")).status_code == 200
    assert board.get(list_url("report_create")).status_code == 403


def test_small_participant_counts_are_hidden_from_the_board_but_not_the_kansli(client, demo_plans):
    report = create_report()
    entry = first(InterventionResult, report)
    with scopes_disabled():
        InterventionResult.objects.filter(report=report).update(
            participants_women=20, participants_men=20, ended_work=0, ended_studies=0
        )
        InterventionResult.objects.filter(pk=entry.pk).update(
            participants_women=3, participants_men=17
        )
    with scope(association=report.association):
        from reports.selectors import report_page

        board_rows = report_page(report=report, suppress=True).interventions
        kansli_rows = report_page(report=report, suppress=False).interventions
    assert board_rows[0].women.hidden and board_rows[0].women.shown is None
    assert kansli_rows[0].women.value == 3 and not kansli_rows[0].women.hidden
    # A hidden count cannot be worked out from the row's total either.
    assert board_rows[0].participants.hidden or board_rows[0].men.hidden

    def figures(role):
        html = client_for(client, NV, role).get(url(report, "report_detail")).content.decode()
        block = html.split(f'id="intervention-result-{entry.pk}"')[1].split("</table>")[0]
        return block

    assert ">3<" not in figures("styrelse")
    assert ">3<" in figures("kansli")


def test_the_report_page_costs_the_same_queries_however_many_rows(client, demo_plans):
    report = create_report()
    kansli = client_for(client)
    kansli.get(url(report, "report_detail"))  # warm: the session, the role

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert kansli.get(url(report, "report_detail")).status_code == 200
        return len(captured)

    before = queries()
    with scope(association=report.association):
        for number in range(5):
            report_part_save(
                instance=ReportSection(report=report, heading=f"Avsnitt {number}"),
                acting_user=user(NV),
            )
    assert queries() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"result": "deviation", "deviation": "", "action": ""}, "Beskriv avvikelsen"),
        ({"result": "done", "deviation": "Ett fel.", "action": ""}, "utan avvikelse"),
    ],
)
def test_a_control_result_cannot_contradict_itself(client, demo_plans, data, message):
    report = create_report(EDITED)
    part = first(ControlResult, report)
    response = client_for(client, EDITED).post(
        url(report, "control_results_update", pk=part.pk), {**data, "version": part.version}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert fresh(part).version == part.version

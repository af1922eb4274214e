"""The board reviews and approves a report through the plan's workflow; an auditor then
records the auditors' statement; the year's outcome is closed with the report."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from associations.models import Association, User
from budgets.models import Budget, LineOutcome
from budgets.outcome import outcome_save
from plans import workflow
from reports.models import AnnualReport
from reports.services import report_create
from reports.workflow import record_auditors_statement

SLUG = "samspelet"
TODAY = timezone.localdate()


def user(role):
    return User.objects.get(username=f"{SLUG}-{role}")


@pytest.fixture
def report(demo_plans):
    association = Association.objects.get(slug=SLUG)
    with scope(association=association):
        yield report_create(
            association=association, acting_user=user("kansli"), year=2022, kind="annual"
        )


def send(report, role="kansli"):
    return workflow.send_for_review(
        document=report, acting_user=user(role), deadline=TODAY + datetime.timedelta(days=7)
    )


def approve(report, **kwargs):
    return workflow.record_approval(
        document=report,
        acting_user=user("kansli"),
        meeting_date=kwargs.pop("meeting_date", datetime.date(2023, 3, 20)),
        paragraph="§12",
        dnr="2023/4",
        **kwargs,
    )


def test_the_plans_workflow_takes_the_report_from_draft_to_approved(report):
    assert workflow.available(document=report, user=user("kansli")) == {"send_for_review"}
    report = send(report)
    assert report.status == AnnualReport.Status.REVIEW
    assert workflow.available(document=report, user=user("styrelse")) == set()
    report = workflow.withdraw_review(document=report, acting_user=user("kansli"))
    assert report.is_editable
    report = approve(send(report))
    assert report.status == AnnualReport.Status.APPROVED
    assert report.approval_line() == "Fastställd av styrelsen 2023-03-20 §12, dnr 2023/4"
    # A report is not revised as a plan is.
    assert "start_revision" not in workflow.available(document=report, user=user("kansli"))


def test_the_report_speaks_of_itself(report):
    with pytest.raises(ValidationError) as refused:
        send(report, role="styrelse")
    assert "skicka rapporten till styrelsen" in refused.value.messages[0]
    report = send(report)
    with pytest.raises(ValidationError) as refused:
        approve(report, meeting_date=datetime.date(2021, 12, 1))
    assert "En rapport om 2022 fastställs 2022 eller senare" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        workflow.record_sent_back(document=report, acting_user=user("kansli"), reason=" ")
    assert "skickade tillbaka rapporten" in str(refused.value)


def test_the_year_s_outcome_closes_with_the_report(report):
    with scope(association=report.association):
        budget = Budget.objects.get(plan=report.plan)
        line = LineOutcome.objects.filter(line__group__budget=budget).first()
        change = {line.line_id: (line.amount, line.amount + Decimal(1))}
        assert outcome_save(budget=budget, acting_user=user("kansli"), changes=change) == 1
        send(report)
        change = {line.line_id: (line.amount + Decimal(1), line.amount)}
        with pytest.raises(ValidationError) as refused:
            outcome_save(budget=budget, acting_user=user("kansli"), changes=change)
        assert "årets utfall kan inte längre ändras" in refused.value.messages[0]


def test_an_auditor_records_the_statement_on_the_approved_report(report):
    def record(role="revisor", **changes):
        values = {
            "statement_on": datetime.date(2023, 4, 10),
            "recommends_discharge": True,
            "text": "Vi tillstyrker att styrelsen beviljas ansvarsfrihet.",
            **changes,
        }
        return record_auditors_statement(report=report, acting_user=user(role), **values)

    with pytest.raises(ValidationError, match="godkänt|fastställt"):
        record()
    report = approve(send(report))
    with pytest.raises(ValidationError, match="revisor"):
        record(role="kansli")
    with pytest.raises(ValidationError) as refused:
        record(statement_on=datetime.date(2023, 3, 1), recommends_discharge=None, text=" ")
    assert set(refused.value.message_dict) == {"statement_on", "recommends_discharge", "text"}
    report = record()
    report.refresh_from_db()
    assert report.auditors_recommend_discharge is True
    assert report.auditors_statement_by == user("revisor")
    assert report.has_auditors_statement


def test_the_history_says_who_changed_what(report, client):
    from django.urls import reverse

    from reports.models import ReportSection
    from reports.services import report_part_save

    section = ReportSection.objects.filter(report=report).order_by("order").first()
    section.body = "Ett år av samverkan."
    report_part_save(instance=section, acting_user=user("kansli"), expected_version=1)
    client.force_login(user("styrelse"))
    html = client.get(
        reverse(
            "reports:report_history",
            kwargs={"association_slug": SLUG, "report_pk": report.pk},
        )
    ).content.decode()
    assert "Förbundschefen har ordet" in html and "Ett år av samverkan." in html


def test_cost_per_participant_from_the_real_outcome(demo_plans):
    """Norra Västmanland 2022, Samordningsteam FNS: 1 561 200 kr read from the books
    (account 4011) for 19 women and 16 men: 1 561 200 / 35 = 44 605.71 → 44 606 kr."""
    from reports.selectors import intervention_rows

    association = Association.objects.get(slug="norra-vastmanland")
    with scope(association=association):
        report = report_create(
            association=association,
            acting_user=User.objects.get(username="norra-vastmanland-kansli"),
            year=2022,
            kind="annual",
        )
        rows = {
            r.result.plan_intervention.name: r
            for r in intervention_rows(report=report, suppress=True)
        }
    fns = rows["Samordningsteam FNS"]
    assert (fns.result.participants_women, fns.result.participants_men) == (19, 16)
    assert fns.money.outcome == Decimal(1561200)
    assert fns.cost_per_participant == Decimal(44606)


def test_an_interim_report_takes_the_first_half_and_no_outcome(demo_plans, client):
    from django.urls import reverse

    from followup import evaluation
    from followup.selectors import year_figures
    from reports.selectors import report_outcome

    association = Association.objects.get(slug="norra-vastmanland")
    kansli = User.objects.get(username="norra-vastmanland-kansli")
    with scope(association=association):
        interim = report_create(
            association=association, acting_user=kansli, year=2022, kind="interim"
        )
        fns = interim.intervention_results.get(plan_intervention__name="Samordningsteam FNS")
        figures = year_figures(association=association, year=2022)
        first_half = {key: value for key, value in figures.items() if key[1] <= 2}
        iid = fns.plan_intervention.intervention_id
        assert fns.participants_women == evaluation.year_participants(first_half, {iid}, "women")
        assert (fns.budget, fns.outcome) == (None, None)
        assert report_outcome(interim) is None
    client.force_login(kansli)
    html = client.get(
        reverse(
            "reports:report_detail",
            kwargs={"association_slug": "norra-vastmanland", "report_pk": interim.pk},
        )
    ).content.decode()
    assert "Utfallet gäller hela året" in html
    assert "Delårsrapport 2022" in html

"""Writes: roles, validation with nothing written, optimistic locking, the lock on the
national registration fields, and the history of an approved quarter's change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from followup import services, workflow
from followup.models import QuarterReport, QuarterValue, ReportEvent
from plans.services import EditConflict

from .conftest import counts


def save(intervention, user, measures, *, quarter=1, year=2022, version=None, **values):
    return services.quarter_report_save(
        intervention=intervention,
        year=year,
        quarter=quarter,
        acting_user=user,
        expected_version=version,
        values=counts(measures, **values),
        comment="",
    )


def test_the_projektledare_enters_a_quarter_of_their_intervention(intervention, members, measures):
    report = save(
        intervention, members["projektledare"], measures, new=(3, 2), active=(12, 9), ended=(2, 1)
    )
    stored = {
        (v.measure.key, v.gender): v.value for v in QuarterValue.objects.filter(report=report)
    }
    assert stored[("active", "women")] == 12 and stored[("ended", "men")] == 1
    assert report.status == QuarterReport.Status.DRAFT
    event = ReportEvent.objects.get(report=report)
    assert event.user == members["projektledare"] and len(event.changes) == 6


def test_only_their_own_interventions(other_intervention, members, measures):
    with pytest.raises(PermissionDenied):
        save(other_intervention, members["projektledare"], measures, active=(1, 1))
    for role in ("styrelse", "revisor"):
        with pytest.raises(PermissionDenied):
            save(other_intervention, members[role], measures, active=(1, 1))
    # The kansli may enter any intervention's figures.
    save(other_intervention, members["kansli"], measures, active=(1, 1))


@pytest.mark.parametrize(
    "values",
    [
        {"active": (5, 5), "ended": (6, 0)},
        {"active": (5, 5), "ended": (2, 2), "ended_work": (2, 0), "ended_studies": (1, 0)},
        {"active": (-1, 5)},
    ],
)
def test_broken_rules_write_nothing(intervention, members, measures, values):
    with pytest.raises(ValidationError) as error:
        save(intervention, members["projektledare"], measures, **values)
    assert error.value.message_dict
    assert not QuarterReport.objects.exists() and not QuarterValue.objects.exists()


def test_a_quarter_outside_the_running_years_is_refused(intervention, members, measures):
    with pytest.raises(ValidationError) as error:
        save(intervention, members["kansli"], measures, year=2023, active=(1, 1))
    assert "year" in error.value.message_dict
    assert not QuarterReport.objects.exists()


def test_two_editors_lose_nothing(intervention, members, measures):
    report = save(intervention, members["projektledare"], measures, active=(10, 10))
    loaded = report.version
    save(intervention, members["kansli"], measures, version=loaded, active=(11, 10))
    with pytest.raises(EditConflict):
        save(intervention, members["projektledare"], measures, version=loaded, active=(12, 10))
    value = QuarterValue.objects.get(measure=measures["active"], gender="women")
    assert value.value == 11


def test_two_first_entries_of_the_same_quarter_conflict(intervention, members, measures):
    save(intervention, members["projektledare"], measures, active=(10, 10))
    with pytest.raises(EditConflict):
        save(intervention, members["kansli"], measures, version=None, active=(9, 9))


def test_approved_quarter_changes_only_after_reopening_and_the_change_is_recorded(
    intervention, members, measures
):
    leader, kansli = members["projektledare"], members["kansli"]
    report = save(intervention, leader, measures, active=(10, 8))
    report = services.quarter_report_transition(
        report=report, acting_user=leader, action=workflow.SUBMIT
    )
    with pytest.raises(PermissionDenied):
        services.quarter_report_transition(
            report=report, acting_user=leader, action=workflow.APPROVE
        )
    report = services.quarter_report_transition(
        report=report, acting_user=kansli, action=workflow.APPROVE
    )
    with pytest.raises(ValidationError):
        save(intervention, kansli, measures, version=report.version, active=(11, 8))
    with pytest.raises(ValidationError):
        services.quarter_report_transition(report=report, acting_user=kansli, action="reopen")
    report = services.quarter_report_transition(
        report=report, acting_user=kansli, action=workflow.REOPEN, reason="Fel i K1"
    )
    save(intervention, kansli, measures, version=report.version, active=(11, 8))
    actions = list(ReportEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == ["saved", "submitted", "approved", "reopened", "saved"]
    last = ReportEvent.objects.filter(report=report).last()
    assert last.user == kansli
    assert last.changes == [
        {"measure": measures["active"].name, "gender": "women", "old": 10, "new": 11}
    ]
    assert ReportEvent.objects.get(action="reopened").reason == "Fel i K1"


def test_a_returned_quarter_carries_the_reason_and_can_be_fixed(intervention, members, measures):
    leader, kansli = members["projektledare"], members["kansli"]
    report = save(intervention, leader, measures, active=(10, 8))
    report = services.quarter_report_transition(
        report=report, acting_user=leader, action=workflow.SUBMIT
    )
    report = services.quarter_report_transition(
        report=report, acting_user=kansli, action=workflow.RETURN, reason="Män saknas"
    )
    assert (report.status, report.return_reason) == ("returned", "Män saknas")
    save(intervention, leader, measures, version=report.version, active=(10, 9))
    report = services.quarter_report_transition(
        report=QuarterReport.objects.get(), acting_user=leader, action=workflow.SUBMIT
    )
    assert (report.status, report.return_reason) == ("submitted", "")


def settings_save(intervention, user, **changes):
    fields = {
        "focus": "individ",
        "precise_focus": "Arbetslivsinriktad rehabilitering",
        "method": "aggregated",
        "esf_funded": False,
        "measures": [],
        **changes,
    }
    current = services.followup_settings(intervention=intervention)
    return services.followup_settings_save(
        intervention=intervention,
        acting_user=user,
        expected_version=current.version if current.pk else None,
        **fields,
    )


def test_registration_fields_lock_once_follow_up_is_entered(intervention, members, measures):
    kansli = members["kansli"]
    settings_save(intervention, kansli, esf_funded=True)
    settings_save(intervention, kansli, esf_funded=False, method="individual")
    save(intervention, kansli, measures, active=(3, 3))
    for change in ({"esf_funded": True}, {"method": "aggregated"}, {"focus": "struktur"}):
        with pytest.raises(ValidationError) as error:
            settings_save(intervention, kansli, **{"method": "individual", **change})
        assert set(error.value.message_dict) & {"esf_funded", "method", "focus"}
    # The precise focus and the measures may still change.
    saved = settings_save(
        intervention, kansli, method="individual", precise_focus="Förrehabilitering"
    )
    assert saved.precise_focus == "Förrehabilitering"


def test_settings_are_the_kanslis(intervention, members):
    with pytest.raises(PermissionDenied):
        settings_save(intervention, members["projektledare"])


def test_the_kanslis_choice_of_measures_narrows_the_quarter(intervention, members, measures):
    settings_save(intervention, members["kansli"], measures=[measures["active"], measures["new"]])
    with pytest.raises(ValidationError):
        save(intervention, members["projektledare"], measures, active=(3, 3), freda=(1, 0))
    save(intervention, members["projektledare"], measures, active=(3, 3), new=(1, 1))


def test_standard_measures_once(scoped):
    first = services.standard_measures_ensure(association=scoped)
    assert services.standard_measures_ensure(association=scoped) == first


def test_dropping_a_measure_keeps_its_recorded_figures(intervention, members, measures):
    kansli = members["kansli"]
    settings_save(intervention, kansli, measures=[measures["active"], measures["freda"]])
    report = save(intervention, kansli, measures, active=(5, 5), freda=(2, 1))
    settings_save(intervention, kansli, measures=[measures["active"]])
    save(intervention, kansli, measures, version=report.version, active=(6, 5))
    assert QuarterValue.objects.filter(measure=measures["freda"]).count() == 2

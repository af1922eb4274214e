"""Which fields apply to each kind of mätpunkt: one rule (``FIELDS_BY_KIND``) that the
form's script shows by, consistent with what the model requires and counts."""

from plans.forms import MeasurementPointForm
from plans.models import MeasurementPoint

Kind = MeasurementPoint.Kind
GENERAL = {"parent", "text", "kind", "version"}


def test_every_kind_names_its_required_fields_and_its_measure():
    assert set(MeasurementPoint.FIELDS_BY_KIND) == set(Kind)
    for kind, required in MeasurementPoint.REQUIRED_FIELDS.items():
        assert set(required) <= set(MeasurementPoint.FIELDS_BY_KIND[kind]), kind
    for kind in MeasurementPoint.MEASURES_BY_KIND:
        assert "measure" in MeasurementPoint.FIELDS_BY_KIND[kind], kind


def test_every_field_of_the_form_is_general_or_belongs_to_a_kind():
    by_kind = {f for fields in MeasurementPoint.FIELDS_BY_KIND.values() for f in fields}
    assert set(MeasurementPointForm.base_fields) == GENERAL | by_kind

"""Every single-line text field of every ModelForm refuses control characters.

The forms are found by introspection, so a new form or field is covered without a
test of its own; a form that needs a constructor argument not known below fails here.
"""

import importlib
import inspect

import pytest
from django import forms
from django_scopes import scope

from associations.forms import AssociationFormMixin, InvitationForm
from budgets.services import budget_create
from finsam.validators import reject_control_characters
from tests.factories import PlanFactory

FORM_MODULES = ["associations.forms", "plans.forms", "budgets.forms", "followup.forms"]
REFUSED = "Fältet får inte innehålla radbrytningar, tabbar eller andra styrtecken."


def model_forms():
    found = {}
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, forms.ModelForm)
                and value.__module__ == module_name
                and getattr(value._meta, "model", None) is not None
            ):
                found[f"{module_name}.{name}"] = value
    return found


MODEL_FORMS = model_forms()


def required_keywords(form_class) -> set[str]:
    names = set()
    for klass in form_class.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind is parameter.KEYWORD_ONLY:
                names.add(parameter.name)
    return names


def single_line_text_fields(form):
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.Textarea)
    ]


def test_the_walk_finds_the_forms():
    assert "associations.forms.AssociationDetailsForm" in MODEL_FORMS
    assert len(MODEL_FORMS) >= 15


@pytest.mark.parametrize("form_path", sorted(MODEL_FORMS))
def test_every_single_line_text_field_refuses_cr_lf(form_path, association, members):
    form_class = MODEL_FORMS[form_path]
    assert issubclass(form_class, AssociationFormMixin), "forms take the förbund"
    with scope(association=association):
        plan = PlanFactory(association=association)
        available = {
            "association": association,
            "plan": plan,
            "budget": budget_create(plan=plan, acting_user=members["kansli"]),
        }
        unknown = required_keywords(form_class) - set(available)
        assert not unknown, f"add how to build {sorted(unknown)} to this test"
        kwargs = {k: v for k, v in available.items() if k in required_keywords(form_class)}
        fields = single_line_text_fields(form_class(**kwargs))
        for name in fields:
            form = form_class(data={name: "Förbundet\r\nBcc: x@example.com"}, **kwargs)
            assert not form.is_valid()
            assert name in form.errors, f"{form_path}.{name} accepted CR/LF"
            field = form.fields[name]
            if type(field) is forms.CharField:
                assert REFUSED in form.errors[name], form.errors[name]


def test_the_association_name_with_cr_lf_is_refused(kansli_client, association):
    response = kansli_client.post(
        f"/f/{association.slug}/details/",
        {"name": "Förbundet\r\nBcc: x@example.com", "short_name": "F"},
    )
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    association.refresh_from_db()
    assert "\n" not in association.name


def test_a_textarea_keeps_its_line_breaks_but_no_other_control_character(association):
    form = InvitationForm(association=association)  # any form of the mixin
    form.fields["note"] = forms.CharField(widget=forms.Textarea)
    form.data = {"note": "rad ett\r\nrad två\tflik"}
    form.is_bound = True
    form.full_clean()
    assert "note" not in form.errors
    form.data = {"note": "klocka\x07"}
    form.full_clean()
    assert "note" in form.errors


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\tb", "a\x1bb", "a\x7fb", "a\x85b"])
def test_control_characters_are_refused(value):
    with pytest.raises(forms.ValidationError):
        reject_control_characters(value)


def test_ordinary_text_passes():
    reject_control_characters("Samordningsförbundet Östra Värmland – kansli")

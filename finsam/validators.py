"""Validators shared by every app's forms."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What a multi-line text (a textarea) may hold besides printable characters.
MULTI_LINE_WHITESPACE = frozenset("\r\n\t")


def _control_characters(value: str, allowed: frozenset = frozenset()) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value)


def reject_control_characters(value) -> None:
    """A single-line text holds no control character: no line break, no tab. A name with
    CR/LF would otherwise reach e-mail headers (the förbund's name is in the invitation's
    subject) and break each later mail, and spreadsheets and PDFs show them as garbage."""
    if isinstance(value, str) and _control_characters(value):
        raise ValidationError(
            _("This field may not contain line breaks, tabs or other control characters."),
            code="control_characters",
        )


def reject_control_characters_but_line_breaks(value) -> None:
    """A multi-line text may hold line breaks and tabs, no other control character."""
    if isinstance(value, str) and _control_characters(value, MULTI_LINE_WHITESPACE):
        raise ValidationError(
            _("This field may not contain control characters."), code="control_characters"
        )


def guard_text_fields(form) -> None:
    """Add the control-character check to every text field of ``form``: single-line
    ones refuse line breaks and tabs, textareas allow them. Called by the base form
    class of every app (``associations.forms.AssociationFormMixin``), so a new field is
    covered without code of its own."""
    from django import forms

    for field in form.fields.values():
        if not isinstance(field, forms.CharField):
            continue
        if isinstance(field.widget, forms.Textarea):
            validator = reject_control_characters_but_line_breaks
        else:
            validator = reject_control_characters
        if validator not in field.validators:
            field.validators = [*field.validators, validator]

from django import template
from django.utils.safestring import mark_safe

from finsam import formatting
from followup.models import Gender
from followup.suppression import Cell

register = template.Library()


@register.filter
def published(value):
    """A published count: ``Cell`` (maybe "färre än 5"), an int, or None (a dash)."""
    if isinstance(value, Cell):
        if value.hidden:
            return value.label
        value = value.value
    if value is None:
        return "–"
    return formatting.format_integer(value)


@register.filter
def share(value):
    """A percentage with a decimal comma: ``Decimal("33.3")`` → ``33,3 %``."""
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


@register.filter
def gender_label(value):
    return Gender(value).label


@register.filter
def inline_svg(value):
    """Chart markup built by ``followup.charts`` from numbers only (pygal escapes labels)."""
    return mark_safe(value)  # noqa: S308 - generated on the server from escaped text


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from finsam.formatting import (
    NBSP,
    format_integer,
    format_kronor,
    format_signed_kronor,
    format_signed_percent,
    format_tkr,
)

register = template.Library()


@register.simple_tag
def money(value, unit="kr", negate=False):
    """An amount in the chosen unit; ``negate`` shows a cost with a minus sign (seed 003)."""
    if value is None:
        return ""
    if negate and value:
        value = -value
    return format_tkr(value) if unit == "tkr" else format_kronor(value)


@register.filter
def absolute(value):
    return None if value is None else abs(value)


@register.simple_tag
def shown(value, tkr_value, unit="kr", negate=False):
    """A budget figure: kronor as they are, or tkr as rounded to add up (``Figure.tkr``)."""
    if unit != "tkr":
        return money(value, unit, negate)
    if tkr_value is None:
        return ""
    if negate and tkr_value:
        tkr_value = -tkr_value
    return f"{format_integer(tkr_value)}{NBSP}tkr"


@register.simple_tag
def hidden_initial(field):
    """The hidden input carrying the value the editor loaded (``show_hidden_initial``):
    what ``field.as_hidden(only_initial=True)`` renders, written directly. The amount grid
    has one per cell (900 on a large budget), and Django's widget templates took 40 % of
    the page; ``tests/budgets/test_grid_render.py`` keeps the two the same."""
    widget = field.field.hidden_widget()
    widget.is_localized = bool(field.field.localize)
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.html_initial_id)
    if field.html_initial_name in field.form.data:
        value = field.form._widget_data_value(widget, field.html_initial_name)
    else:
        value = field.value()
    value = widget.format_value(value)
    parts = [format_html('<input type="hidden" name="{}"', field.html_initial_name)]
    if value is not None:
        parts.append(format_html(' value="{}"', value))
    for name, attr in {**widget.attrs, **attrs}.items():  # as Django's attrs.html writes them
        if attr is True:
            parts.append(format_html(" {}", name))
        elif attr is not False:
            parts.append(format_html(' {}="{}"', name, attr))
    return mark_safe("".join(parts) + ">")  # noqa: S308 (each part escaped by format_html)


@register.filter
def signed_kronor(value):
    """A deviation in kronor with its sign: ``+12 300 kr``."""
    return format_signed_kronor(value)


@register.filter
def signed_percent(value):
    """A deviation in per cent with its sign: ``+3,2 %``."""
    return format_signed_percent(value)

from django import template

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
    """The hidden input carrying the value the editor loaded (``show_hidden_initial``)."""
    return field.as_hidden(only_initial=True)


@register.filter
def signed_kronor(value):
    """A deviation in kronor with its sign: ``+12 300 kr``."""
    return format_signed_kronor(value)


@register.filter
def signed_percent(value):
    """A deviation in per cent with its sign: ``+3,2 %``."""
    return format_signed_percent(value)

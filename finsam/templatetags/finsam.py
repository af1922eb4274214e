from django import template

from finsam import formatting

register = template.Library()


@register.filter
def kr(value):
    """Whole kronor the Swedish way: ``{{ amount|kr }}`` → ``9 792 000 kr``."""
    return formatting.format_kronor(value)


@register.filter
def tkr(value):
    """Thousands of kronor: ``{{ amount|tkr }}`` → ``7 638 tkr``."""
    return formatting.format_tkr(value)


@register.filter
def number(value):
    """An integer with Swedish thousands separators: ``96180`` → ``96 180``."""
    return formatting.format_integer(value)

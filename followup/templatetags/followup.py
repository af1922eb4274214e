from django import template
from django.utils.html import escape
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
def inline_svg(value, nonce=""):
    """Chart markup built by ``followup.charts`` from numbers only (pygal escapes labels).

    Under the Content-Security-Policy a chart's ``<style>`` applies only with the page's
    nonce (``{{ chart|inline_svg:request.csp_nonce }}``), and no style attribute does:
    pygal's one, on its empty tooltip (the charts run no script), is left out.
    """
    value = value.replace(' style="opacity: 0"', "")
    nonce = str(nonce)  # django-csp's lazy nonce is falsy until it is made
    if nonce:
        value = value.replace("<style ", f'<style nonce="{escape(nonce)}" ')
    return mark_safe(value)  # noqa: S308 - generated on the server from escaped text


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None

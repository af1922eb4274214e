from django import template
from django.urls import reverse

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


# A pk no row has: the reversed URL's place for the part's own pk.
_PK_PLACEHOLDER = 987654321987654321


@register.simple_tag(takes_context=True)
def part_url(context, name, pk=None):
    """The URL ``name`` of the page's plan (``association_slug`` and ``plan_pk`` from
    its ``association`` and ``plan``), and of its part ``pk`` when given: what
    ``{% url %}`` gives.

    A plan page lists a hundred parts or more, each with edit, move and remove links:
    the URL is reversed once per name and page, with a placeholder pk that each part's
    own replaces, instead of once per link (``reverse()`` is the page's largest cost)."""
    request = context.get("request")
    memo = getattr(request, "_part_url_prefixes", None) if request is not None else None
    if memo is None:
        memo = {}
        if request is not None:
            request._part_url_prefixes = memo
    key = (name, context["association"].slug, context["plan"].pk, pk is None)
    if key not in memo:
        kwargs = {"association_slug": key[1], "plan_pk": key[2]}
        if pk is not None:
            kwargs["pk"] = _PK_PLACEHOLDER
        memo[key] = reverse(name, kwargs=kwargs).split(str(_PK_PLACEHOLDER))
    if pk is None:
        return memo[key][0]
    before, after = memo[key]
    return f"{before}{int(pk)}{after}"

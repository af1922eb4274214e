from django import template
from django.utils.safestring import mark_safe

from plans.richtext import render_markdown

register = template.Library()


@register.filter
def richtext(value):
    """Render a plan text (Markdown subset) to sanitised HTML."""
    return mark_safe(render_markdown(value))  # noqa: S308 - sanitised by nh3 in render_markdown


@register.filter
def attr_or_blank(instance, name):
    """The saved value of a simple field, for showing beside a conflicting edit."""
    try:
        field = instance._meta.get_field(name)
    except Exception:
        return ""
    if field.many_to_many:
        return ""
    if field.choices:
        return getattr(instance, f"get_{name}_display")()
    value = getattr(instance, name, "")
    return "" if value is None else value


@register.simple_tag
def plan_transitions(plan, user):
    """The workflow transitions ``user`` may make on ``plan`` now (names, for the buttons)."""
    from plans.workflow import available

    return available(document=plan, user=user)


@register.filter
def item(mapping, key):
    """``mapping[key]``, or None (for optional data keyed by a pk)."""
    return mapping.get(key) if mapping else None

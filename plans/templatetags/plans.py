from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from finsam.templatetags.finsam import part_url
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


# The shared form the move buttons of every part submit (``part_actions``): its id.
MOVE_FORM_ID = "part-move"


def _action_words(context) -> dict:
    """The buttons' words in the page's language, escaped: once per request (kept on the
    request, as ``part_url`` keeps its prefixes; an include's render context is its own)."""
    request = context.get("request")
    words = getattr(request, "_part_action_words", None)
    if words is None:
        words = {
            key: escape(gettext(text))
            for key, text in (
                ("edit", "Edit"),
                ("up", "Move up"),
                ("down", "Move down"),
                ("remove", "Remove"),
                ("actions", "Actions for %(label)s"),
            )
        }
        if request is not None:
            request._part_action_words = words
    return words


@register.simple_tag(takes_context=True)
def part_actions(context, kind, obj, label, movable=True):
    """The edit, move and remove buttons of one part of the kansli's editable plan page
    (``kind`` names its URLs, e.g. ``"goals"`` for ``plans:goals_update``).

    Written here rather than as an included template: a plan page has a hundred parts
    or more, and the include was a third of the page's time and two thirds of its bytes.
    The move buttons submit the page's one ``MOVE_FORM_ID`` form (its CSRF token) to
    their part's URL (``formaction``), instead of a form of their own each. Every value
    put into the HTML is escaped (the label once, the words once per page)."""
    if not context.get("editable"):
        return ""
    words = _action_words(context)
    name = escape(label)
    edit = escape(part_url(context, f"plans:{kind}_update", obj.pk))
    delete = escape(part_url(context, f"plans:{kind}_delete", obj.pk))
    moves = ""
    if movable:
        move = escape(part_url(context, f"plans:{kind}_move", obj.pk))
        moves = "".join(
            f'<button type="submit" form="{MOVE_FORM_ID}" formaction="{move}" '
            f'name="direction" value="{direction}" class="btn btn-outline-secondary" '
            f'title="{words[direction]}"><span aria-hidden="true">{arrow}</span>'
            f'<span class="visually-hidden">{words[direction]}: {name}</span></button>'
            for direction, arrow in (("up", "↑"), ("down", "↓"))
        )
    group = words["actions"].replace("%(label)s", name)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<div class="part-actions d-print-none btn-group btn-group-sm" role="group" '
        f'aria-label="{group}"><a class="btn btn-outline-primary" href="{edit}">'
        f'{words["edit"]}<span class="visually-hidden"> {name}</span></a>{moves}'
        f'<a class="btn btn-outline-danger" href="{delete}">{words["remove"]}'
        f'<span class="visually-hidden"> {name}</span></a></div>'
    )


@register.simple_tag
def part_move_form(csrf_token):
    """The one form every part's move buttons submit (see ``part_actions``)."""
    return format_html(
        '<form id="{}" method="post" class="d-none">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}"></form>',
        MOVE_FORM_ID,
        csrf_token,
    )

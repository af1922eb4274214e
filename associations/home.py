"""What apps above ``associations`` add to the förbund's home page.

The home page lives here, at the bottom of the layers, and cannot import the apps that
know what waits for a person (``notifications``' "Att göra"). They register a panel in
their ``AppConfig.ready()`` instead: a template and a function giving its context. The
home view renders every registered panel, in the order of registration, at the top.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomePanel:
    """``context(request=..., association=..., membership=...)`` returns the template's
    context, or None for nothing to show."""

    name: str
    template_name: str
    context: Callable[..., dict | None]


_panels: dict[str, HomePanel] = {}


def register_home_panel(*, name: str, template_name: str, context: Callable) -> None:
    """Register (or replace, by ``name``) a panel of the home page."""
    _panels[name] = HomePanel(name=name, template_name=template_name, context=context)


def home_panels(*, request, association, membership) -> list[tuple[str, dict]]:
    """``(template_name, context)`` of each registered panel that has something to show."""
    shown = []
    for panel in _panels.values():
        context = panel.context(request=request, association=association, membership=membership)
        if context is not None:
            shown.append((panel.template_name, context))
    return shown

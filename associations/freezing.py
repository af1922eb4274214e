"""A hook for what the apps above may freeze in a förbund's own records.

A record of the förbund (a member party) can be named by a record of an app above
(an approved plan prints the party's name), which then must not change under it.
Saves and deletes reach such rules through Django's signals, which the app above
connects itself; ``QuerySet.update()`` sends none, so ``MemberPartyQuerySet.update``
asks this hook instead. ``plans.freezing.connect`` registers its rule here from
``PlansConfig.ready()``: associations imports nothing above it.
"""

from collections.abc import Callable

_update_guards: list[Callable] = []


def on_update(guard: Callable) -> None:
    """Register ``guard(queryset, fields)``, which raises to refuse an ``update()``."""
    if guard not in _update_guards:
        _update_guards.append(guard)


def refuse_update(queryset, fields) -> None:
    """Run every registered guard on an ``update(**fields)`` of ``queryset``."""
    for guard in _update_guards:
        guard(queryset, fields)

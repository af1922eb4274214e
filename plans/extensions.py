"""What plans offers the apps above it, so that plans imports none of them.

The apps run one way: ``associations`` ← ``plans`` ← ``budgets`` ← ``followup`` ←
``documents`` (``tests/test_layers.py`` holds it). Where a plan's own code must
reach something an app above it adds (a plan's budget, its printed document), the
app above registers a plain function here from its ``AppConfig.ready()``, and plans
calls what is registered:

- ``on_plan_copied``: after the parts of a plan are copied into a new draft (a
  revision, or next year's plan), inside the same transaction; ``budgets`` copies the
  budget. Called as ``receiver(source=, target=, acting_user=, years_on=)``.
- ``on_plan_approved``: once the board's approval is committed; ``documents`` stores
  the approved PDFs. Called as ``receiver(plan=)``. ``on_document_approved(label, …)``
  is the same for another document the board decides through the plan's workflow
  (``reports`` archives an annual report's PDFs). Called as ``receiver(document=)``.
- ``add_changes``: a named part of "what changed" between two versions of a plan
  (``plans.diff``), computed by the app that owns it; ``budgets`` adds ``"budget"``.
  Called as ``compute(earlier=, later=)``; its result is false when nothing changed.
- ``add_history``: a named audit trail of a plan shown on a history page of its own
  (``plans.history``); ``budgets`` adds ``"budget"``. Called as ``read(plan=)``.

Registration is idempotent by function (``ready()`` may run twice in tests), and
receivers run in the order the apps are installed.
"""

from collections.abc import Callable

_plan_copied: list[Callable] = []
_plan_approved: list[Callable] = []
_document_approved: dict[str, list[Callable]] = {}
CHANGES: dict[str, Callable] = {}
HISTORIES: dict[str, Callable] = {}


def on_plan_copied(receiver: Callable) -> None:
    if receiver not in _plan_copied:
        _plan_copied.append(receiver)


def on_plan_approved(receiver: Callable) -> None:
    if receiver not in _plan_approved:
        _plan_approved.append(receiver)


def on_document_approved(label: str, receiver: Callable) -> None:
    receivers = _document_approved.setdefault(label, [])
    if receiver not in receivers:
        receivers.append(receiver)


def add_changes(name: str, compute: Callable) -> None:
    CHANGES[name] = compute


def add_history(name: str, read: Callable) -> None:
    HISTORIES[name] = read


def plan_copied(*, source, target, acting_user, years_on: int = 0) -> None:
    for receiver in _plan_copied:
        receiver(source=source, target=target, acting_user=acting_user, years_on=years_on)


def plan_approved(*, plan) -> None:
    for receiver in _plan_approved:
        receiver(plan=plan)


def document_approved(*, document) -> None:
    """A plan's receivers get ``plan=``; another document's, ``document=``."""
    label = document._meta.label
    if label == "plans.Plan":
        plan_approved(plan=document)
        return
    for receiver in _document_approved.get(label, []):
        receiver(document=document)

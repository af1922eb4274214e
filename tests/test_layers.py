"""The apps depend one way: finsam's base utilities ← associations ← plans ← budgets ←
followup ← documents ← reports ← notifications. A module imports only from its own layer
or the layers below it; imports inside functions count too. A model named by its label
(``"budgets.BudgetLine"``, ``apps.get_model``) is not an import. ``finsam.urls``,
``finsam.settings`` and ``finsam.wsgi`` are the composition root and may import anything.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "finsam",
    "associations",
    "plans",
    "budgets",
    "followup",
    "documents",
    "reports",
    "notifications",
    "audit",
    "transfer",
]
RANK = {app: rank for rank, app in enumerate(LAYERS)}
COMPOSITION_ROOT = {"finsam.urls", "finsam.settings", "finsam.wsgi"}


def imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """``(line, absolute module name)`` of every import in ``tree``, at any depth;
    relative imports resolved against ``module`` (a package's ``__init__`` included)."""
    package = module.rsplit(".", 1)[0] if "." in module else module
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module
            found.append((node.lineno, name))
    return found


def upward_imports(tree: ast.AST, module: str) -> list[str]:
    """What ``module`` (e.g. ``"plans.diff"``) imports from a layer above its own."""
    app = module.split(".")[0]
    if module in COMPOSITION_ROOT or app not in RANK:
        return []
    return [
        f"{module}:{line} imports {name}"
        for line, name in imported_modules(tree, module)
        if RANK.get(name.split(".")[0], -1) > RANK[app]
    ]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def application_modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_every_import_follows_the_direction_of_the_apps():
    wrong = []
    for path in application_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        wrong += upward_imports(tree, module_name(path))
    assert not wrong, "Imports against the direction of the apps:\n" + "\n".join(wrong)


def test_an_upward_import_is_found_also_inside_a_function_and_when_relative():
    source = """
from django.apps import apps
from associations.models import Association
from .models import Plan

def helper():
    from budgets.models import Budget
    import followup.dashboard
    apps.get_model("budgets", "BudgetLine")
    return "budgets.BudgetLine"
"""
    tree = ast.parse(source)
    assert upward_imports(tree, "plans.comments") == [
        "plans.comments:7 imports budgets.models",
        "plans.comments:8 imports followup.dashboard",
    ]
    assert upward_imports(tree, "documents.views") == []
    assert upward_imports(tree, "finsam.urls") == []
    # A relative import from a package module of a lower layer that names an upper app's
    # module: resolved to where it really points.
    assert upward_imports(ast.parse("from .. import budgets"), "plans.sub.mod") == []
    assert upward_imports(ast.parse("from . import document"), "plans.views") == []


def test_the_apps_above_plans_register_their_hooks():
    """What plans reaches through ``plans.extensions`` is there once the apps are ready."""
    from budgets.apps import copy_plan_budget
    from budgets.diff import budget_changes
    from budgets.history import budget_history
    from documents.plan_document import store_approved_documents
    from plans import extensions

    assert extensions._plan_copied == [copy_plan_budget]
    assert extensions._plan_approved == [store_approved_documents]
    assert list(extensions.CHANGES.items()) == [("budget", budget_changes)]
    assert list(extensions.HISTORIES.items()) == [("budget", budget_history)]

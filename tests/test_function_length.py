"""No function in application code is longer than a screen, unless it says why.

A newcomer reads a function in one go when it fits on a screen: a longer one is split
into named steps, each doing what its name says. Where a split would make it harder to
follow (a seed's records in the seed's order, one streaming pass over a file), the
function's docstring says so in a sentence with the marker ``long because`` (any case),
for instance "Long because it is data: ...". The test reads every module of the
application apps with ``ast`` (migrations left out: Django writes them) and fails
naming each function over ``MAX_LINES`` lines whose docstring has no such sentence.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("associations", "plans", "budgets", "followup", "finsam")
MAX_LINES = 60
MARKER = "long because"


def application_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def long_functions(path: Path):
    """``(name, line, length)`` of each function (method and nested function included)
    in ``path`` longer than ``MAX_LINES`` lines whose docstring has no marker."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        length = node.end_lineno - node.lineno + 1
        docstring = ast.get_docstring(node) or ""
        if length > MAX_LINES and MARKER not in docstring.casefold():
            yield node.name, node.lineno, length


def test_the_check_finds_a_long_function_and_accepts_the_marker(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES))
    unmarked = tmp_path / "unmarked.py"
    unmarked.write_text(f"def f():\n{body}")
    marked = tmp_path / "marked.py"
    marked.write_text(f'def f():\n    """Long because it says so."""\n{body}')
    assert list(long_functions(unmarked)) == [("f", 1, MAX_LINES + 1)]
    assert list(long_functions(marked)) == []


def test_no_function_is_long_without_saying_why():
    found = [
        f"{path.relative_to(ROOT)}:{line} {name} ({length} lines)"
        for path in application_modules()
        for name, line, length in long_functions(path)
    ]
    assert not found, (
        f"Functions over {MAX_LINES} lines: split them into named steps, or say in the "
        f'docstring why one must be long ("{MARKER} ..."):\n' + "\n".join(found)
    )

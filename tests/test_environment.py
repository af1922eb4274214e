"""Every variable the application, gunicorn and docker-compose.yml read from the
environment is listed in .env.example, with its default and meaning."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READERS = {"env", "str", "bool", "int", "float", "path", "db", "cache", "list", "get", "_int"}


def variables_read(path: Path) -> set[str]:
    """The names of ``env.*("NAME", …)``, ``os.environ.get("NAME")`` and ``_int("NAME", …)``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        first = node.args[0]
        if (
            name in READERS
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and re.fullmatch(r"[A-Z][A-Z0-9_]+", first.value)
        ):
            names.add(first.value)
    return names


def listed() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, re.M))


def test_every_setting_read_from_the_environment_is_listed():
    read = variables_read(ROOT / "finsam" / "settings.py") | variables_read(
        ROOT / "docker" / "gunicorn.conf.py"
    )
    assert {"DATABASE_URL", "CACHE_URL", "GUNICORN_WORKERS"} <= read
    assert read - listed() == set()


def test_every_variable_of_the_compose_file_is_listed():
    compose = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose))
    assert {"SECRET_KEY", "SITE_ADDRESS", "BACKUP_KEEP_DAYS"} <= used
    assert used - listed() == set()

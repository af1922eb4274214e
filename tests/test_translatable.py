"""Every translatable text reaches the catalogue: ``makemessages`` (xgettext) finds
only calls by the names it knows, so a translation function imported under another
name (``gettext_lazy as _lazy``) leaves its texts in English in the Swedish interface.
(The admin's removal page did, until this test.)"""

import ast

from tests.test_layers import application_modules

# The keywords Django's makemessages passes to xgettext for Python files.
EXTRACTED = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
TRANSLATING = EXTRACTED - {"_"}


def unextracted_aliases(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                bound = alias.asname or alias.name
                if alias.name in TRANSLATING and bound not in EXTRACTED:
                    found.append(f"{alias.name} as {bound} (line {node.lineno})")
    return found


def test_translation_functions_keep_names_makemessages_knows():
    wrong = []
    for path in application_modules():
        wrong += [f"{path.name}: {a}" for a in unextracted_aliases(path.read_text("utf-8"))]
    assert not wrong, "Texts makemessages cannot see:\n" + "\n".join(wrong)


def test_an_alias_is_found():
    source = "from django.utils.translation import gettext, gettext_lazy as _lazy\n"
    assert unextracted_aliases(source) == ["gettext_lazy as _lazy (line 1)"]
    assert unextracted_aliases("from django.utils.translation import gettext_lazy as _") == []

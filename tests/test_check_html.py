"""The page shapes that ``scripts/check_html.py`` hands to the Nu HTML checker (CI runs the
crawl itself): every page of the access matrix, for every role that may open it."""

import importlib.util
from pathlib import Path

from tests.access_matrix import GLOBAL_URLS, TENANT_URLS
from tests.test_access_matrix import ALL_URLS

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_html.py"


def load_script():
    spec = importlib.util.spec_from_file_location("check_html", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_html = load_script()
SHAPES = check_html.matrix_shapes(TENANT_URLS, GLOBAL_URLS, ALL_URLS)
GETS = {(shape.name, shape.viewer) for shape in SHAPES if shape.method == "get"}


def test_every_page_is_fetched_by_every_role_that_may_open_it():
    for name, (_factory, expected) in TENANT_URLS.items():
        if check_html.is_file_route(ALL_URLS[name]):
            continue
        for role in check_html.ROLES:
            assert ((name, role) in GETS) == (expected[role] == 200), (name, role)


def test_pages_outside_a_foerbund_are_fetched_as_member_and_anonymous():
    for name, expected in GLOBAL_URLS.items():
        for viewer in check_html.GLOBAL_VIEWERS:
            assert ((name, viewer) in GETS) == (expected[viewer] == 200), (name, viewer)


def test_downloads_are_left_out_and_pages_are_not():
    downloads = {name for name, route in ALL_URLS.items() if check_html.is_file_route(route)}
    assert downloads, "the PDF, Excel and CSV downloads"
    assert not downloads & {name for name, _ in GETS}
    assert ("followup:quarter", "projektledare") in GETS
    assert ("budgets:budget_structure", "kansli") in GETS


def test_forms_are_also_posted_empty_to_see_their_errors():
    posts = {shape.name for shape in SHAPES if shape.method == "post"}
    assert {"plans:sections_create", "plans:plan_update", "followup:quarter"} <= posts
    assert all(shape.viewer == "kansli" for shape in SHAPES if shape.method == "post")

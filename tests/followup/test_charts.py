"""Charts are accessible SVG built from plain data, with no script."""

import re
from decimal import Decimal

from django.utils import translation

from followup import charts


def test_participants_chart_is_an_accessible_svg_without_script():
    svg = charts.participants_by_gender_chart(
        [("K1", 12, 9), ("K2", None, 11)], title="Stegen Karlstad"
    )
    assert svg.startswith("<svg ") and 'role="img"' in svg
    title_id, desc_id = re.search(r'aria-labelledby="([^" ]+) ([^"]+)"', svg).groups()
    assert f'<title id="{title_id}">Stegen Karlstad</title>' in svg
    desc = re.search(rf'<desc id="{desc_id}">(.*?)</desc>', svg).group(1)
    assert "K1" in desc and "12" in desc and "9" in desc and "–" in desc
    assert "<script" not in svg
    # Not by colour alone: every bar carries its series letter and value.
    assert "K 12" in svg and "M 11" in svg


def test_target_and_budget_charts():
    svg = charts.target_chart([("Minst 200 i Stegarna", 237, 200)])
    assert "U 237" in svg and "MV 200" in svg and 'role="img"' in svg
    # "M" is for men in the participant charts: the target is "MV" (målvärde).
    assert not re.search(r">M \d", svg) and "(M)" not in svg
    svg = charts.budget_outcome_chart([("Stegen", Decimal(4100000), None)])
    assert "B 4\u00a0100\u00a0tkr" in svg


def test_titles_are_escaped():
    svg = charts.participants_by_gender_chart([("K1", 1, 2)], title="<b>Insats</b>")
    assert "<b>" not in svg and "&lt;b&gt;Insats&lt;/b&gt;" in svg


def _stylesheet(svg: str) -> str:
    return re.search(r'<style type="text/css">(.*?)</style>', svg, re.S).group(1)


def test_the_stylesheet_keeps_the_drawing_rules_and_drops_those_for_scripts_and_hover():
    css = _stylesheet(charts.participants_by_gender_chart([("K1", 12, 9)]))
    # What the chart looks like: colours, fonts, axis labels anchored.
    assert "fill:#7b2d26" in css and "fill:#1f4e79" in css
    assert "text-anchor:end" in css and "font-size:12px" in css
    # What only a script or a pointer would use (the charts have no script).
    for inert in (":hover", ".tooltip", ".active", "transition", "-webkit-"):
        assert inert not in css, inert
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    assert rules and all(selectors.strip() and body.strip() for selectors, body in rules)


def test_a_chart_for_the_document_uses_the_shipped_font():
    screen = _stylesheet(charts.participants_by_gender_chart([("K1", 12, 9)]))
    document = _stylesheet(charts.participants_by_gender_chart([("K1", 12, 9)], for_document=True))
    assert "font-family:system-ui" in screen and "DejaVu" not in screen
    assert 'font-family:"DejaVu Sans",sans-serif' in document and "system-ui" not in document


def test_a_chart_is_drawn_once_per_process_for_the_same_figures(monkeypatch):
    monkeypatch.setattr(charts, "_kept_charts", charts._Kept())
    drawn = []
    render = charts.pygal.Bar.render
    monkeypatch.setattr(
        charts.pygal.Bar, "render", lambda self, **kw: drawn.append(1) or render(self, **kw)
    )
    rows = [("K1", 12, 9), ("K2", None, 11)]
    first = charts.participants_by_gender_chart(rows, title="Stegen")
    again = charts.participants_by_gender_chart(iter(rows), title="Stegen")
    assert again == first and len(drawn) == 1
    other = charts.participants_by_gender_chart([("K1", 12, 10)], title="Stegen")
    assert other != first and len(drawn) == 2
    # The title, the kind and the language count too.
    charts.participants_by_gender_chart(rows, title="Stegen 2")
    charts.participants_by_gender_chart(rows, title="Stegen", for_document=True)
    with translation.override("en"):
        charts.participants_by_gender_chart(rows, title="Stegen")
    assert len(drawn) == 5


def test_only_the_latest_charts_are_kept(monkeypatch):
    monkeypatch.setattr(charts, "_kept_charts", charts._Kept())
    monkeypatch.setattr(charts, "KEEP_CHARTS", 3)
    for n in range(5):
        charts.participants_by_gender_chart([("K1", n, 1)])
    assert len(charts._kept_charts.charts) == 3

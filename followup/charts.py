"""Charts as server-rendered, accessible SVG (pygal, no JavaScript).

Each function takes plain data and returns SVG markup to inline, in the page
and in the PDF alike. The SVG has ``role="img"`` with a ``<title>`` and a
``<desc>``; every bar carries its value with a series letter printed on it, so
nothing is told by colour alone; the caller shows the same numbers in a table
beside the chart. ``None`` (hidden or not entered) leaves the bar out.
"""

import functools
import hashlib
import html
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pygal
from django.utils import translation
from django.utils.translation import gettext as _
from pygal.style import Style

from finsam.formatting import format_tkr

SCREEN_FONT = "system-ui, sans-serif"
# The plan document's font, shipped in static/fonts: a chart in the PDF looks the same
# on every machine instead of taking whatever fontconfig finds for "sans-serif".
DOCUMENT_FONT = '"DejaVu Sans", sans-serif'

STYLE_SETTINGS = {
    "background": "#ffffff",
    "plot_background": "#ffffff",
    "foreground": "#212529",
    "foreground_strong": "#212529",
    "foreground_subtle": "#6c757d",
    "opacity": "1",
    "opacity_hover": "1",
    "colors": ("#7b2d26", "#1f4e79", "#3b6e22", "#5c3d8f"),
    "value_colors": ("#212529",),
    "label_font_size": 13,
    "major_label_font_size": 13,
    "value_font_size": 12,
    "legend_font_size": 13,
}
STYLE = Style(font_family=SCREEN_FONT, **STYLE_SETTINGS)
DOCUMENT_STYLE = Style(font_family=DOCUMENT_FONT, **STYLE_SETTINGS)

OPTIONS = {
    "js": [],
    "disable_xml_declaration": True,
    "style": STYLE,
    "print_values": True,
    "print_values_position": "top",
    "legend_at_bottom": True,
    "width": 720,
    "height": 320,
    "explicit_size": False,
    # Every bar prints its value; guide lines would only run through those labels.
    "show_y_guides": False,
    "truncate_label": -1,
    "include_x_axis": True,
}


# Rules for pygal's script-driven tooltips and hover states, and its animation and
# vendor-prefixed declarations. The charts have no script, so none of them ever applies;
# they are a third of the stylesheet that every chart carries into the page and that
# WeasyPrint parses and matches for each chart in the PDF.
INTERACTIVE_SELECTOR = re.compile(r":hover|\.active\b|\.tooltip\b")
INERT_DECLARATION = re.compile(
    r"^\s*(-webkit-|-moz-)?transition\s*:|^\s*-webkit-(user-select|font-smoothing)\s*:"
)
CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def _static_rule(match: re.Match) -> str:
    selectors = [s for s in match.group(1).split(",") if not INTERACTIVE_SELECTOR.search(s)]
    declarations = [d for d in match.group(2).split(";") if not INERT_DECLARATION.search(d)]
    if not selectors or not "".join(declarations).strip():
        return ""
    return ",".join(selectors).strip() + "{" + ";".join(declarations) + "}"


def _static_styles(svg: str) -> str:
    """pygal's stylesheet without the rules and declarations that only serve interaction."""
    return re.sub(
        r"(<style type=\"text/css\">)(.*?)(</style>)",
        lambda m: m.group(1) + CSS_RULE.sub(_static_rule, m.group(2)) + m.group(3),
        svg,
        count=1,
        flags=re.S,
    )


PYGAL_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _accessible(svg: str, *, title: str, description: str) -> str:
    """Give the SVG a role, a title and a description that screen readers announce."""
    # pygal writes its config into an inline script even with ``js=[]``: nothing reads it.
    svg = _static_styles(re.sub(r"<script\b.*?</script>", "", svg, flags=re.S))
    # pygal's own titles ("Pygal" on the plot, each axis label again) show as hover text;
    # the chart's title and description below are what it says.
    svg = re.sub(r"<title>[^<]*</title>", "", svg)
    # pygal names each chart with a random uuid; a name from the content instead keeps
    # the page and the PDF the same on every rendering (a stored PDF is byte-for-byte
    # what the board approved, and a re-rendering of it matches).
    digest = hashlib.sha256((PYGAL_ID.sub("", svg) + title + description).encode()).hexdigest()[:12]
    base = f"chart-{digest}"
    svg = PYGAL_ID.sub(base, svg)
    # Its legend ids repeat from chart to chart; ids must be unique on a page.
    svg = svg.replace('id="activate-serie-', f'id="{base}-serie-')
    svg = re.sub(
        r"^<svg ",
        f'<svg role="img" aria-labelledby="{base}-title {base}-desc" focusable="false" ',
        svg,
        count=1,
    )
    heading = (
        f'<title id="{base}-title">{html.escape(title)}</title>'
        f'<desc id="{base}-desc">{html.escape(description)}</desc>'
    )
    return re.sub(r"(<svg [^>]*>)", r"\1" + heading.replace("\\", "\\\\"), svg, count=1)


def _as_is(value):
    return value


def _dash_for_none(value):
    return "–" if value is None else value


@dataclass(frozen=True)
class _Series:
    """One of the two series of a bar chart: its name, the letter that marks its bars
    (so colour is not the only cue), how a value is plotted, how a bar writes it after
    the letter, and how the chart's text description writes it."""

    name: str
    letter: str
    plotted: Callable = _as_is
    on_bar: Callable = _as_is
    described: Callable = _dash_for_none


def _paired_bars(chart, rows: list, first: _Series, second: _Series, *, title: str) -> str:
    """``chart`` with a pair of bars per row of ``rows`` (``(label, first, second)``)."""
    chart.x_labels = [str(label) for label, _a, _b in rows]
    for index, series in enumerate((first, second), start=1):
        chart.add(
            f"{series.name} ({series.letter})",
            [series.plotted(row[index]) for row in rows],
            formatter=lambda v, s=series: "" if v is None else f"{s.letter} {s.on_bar(v)}",
        )
    description = "; ".join(
        f"{label}: {first.name} {first.described(a)}, {second.name} {second.described(b)}"
        for label, a, b in rows
    )
    return _render(chart, title=title, description=description)


def _render(chart, *, title, description) -> str:
    return _accessible(chart.render(is_unicode=True), title=title, description=description)


# Charts kept per process: a chart is a pure function of its rows, options and
# language, so every process draws the same SVG and nothing needs sharing. About 15 kB
# each: a few megabytes at most.
KEEP_CHARTS = 256


def _stable(value) -> str:
    """A cell's or option's value as written in a key: its repr for plain values (so
    1 and "1" differ), its text for anything else (a lazy translation's repr names its
    address, which another object may have later)."""
    if value is None or isinstance(value, (bool, int, float, Decimal, str)):
        return repr(value)
    return f"{type(value).__name__}:{value}"


class _Kept:
    """The last ``KEEP_CHARTS`` charts drawn in this process, by what they were drawn from."""

    def __init__(self):
        self.charts: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()

    def get_or_draw(self, key: tuple, draw: Callable[[], str]) -> str:
        with self.lock:
            if key in self.charts:
                self.charts.move_to_end(key)
                return self.charts[key]
        svg = draw()
        with self.lock:
            self.charts[key] = svg
            while len(self.charts) > KEEP_CHARTS:
                self.charts.popitem(last=False)
        return svg


_kept_charts = _Kept()


def _kept(function):
    """A chart drawn once per process for the same rows, options and language: pygal
    takes about 10 ms a chart, and a follow-up page draws one per intervention on every
    visit."""

    @functools.wraps(function)
    def chart(rows, **options) -> str:
        rows = list(rows)
        key = (
            function.__name__,
            translation.get_language(),
            tuple(tuple(_stable(cell) for cell in row) for row in rows),
            tuple((name, _stable(value)) for name, value in sorted(options.items())),
        )
        return _kept_charts.get_or_draw(key, lambda: function(rows, **options))

    return chart


@_kept
def participants_by_gender_chart(rows, *, title: str = "", for_document: bool = False) -> str:
    """Bars for women and men per period.

    ``rows``: ``[(label, women, men), ...]``, e.g. ``[("K1", 12, 9), ("K2", None, 11)]``.
    ``for_document``: in the plan document's font rather than the screen's.
    """
    chart = pygal.Bar(**{**OPTIONS, "style": DOCUMENT_STYLE if for_document else STYLE})
    return _paired_bars(
        chart,
        list(rows),
        _Series(_("Women"), "K"),
        _Series(_("Men"), "M"),
        title=title or _("Participants by gender"),
    )


@_kept
def target_chart(rows, *, title: str = "") -> str:
    """The year's figure against the target, one pair of bars per measurement point.

    ``rows``: ``[(label, figure, target), ...]``; a figure may be None.
    """
    rows = list(rows)
    chart = pygal.HorizontalBar(**{**OPTIONS, "height": max(160, 70 * len(rows) + 80)})
    return _paired_bars(
        chart,
        rows,
        _Series(_("Figure"), "U"),
        # "MV", not "M": in the gender charts beside it "M" is for men.
        _Series(_("Target value"), "MV", described=_as_is),
        title=title or _("The year against the targets"),
    )


@_kept
def budget_outcome_chart(rows, *, title: str = "") -> str:
    """Budget and outcome per intervention, in whole kronor.

    ``rows``: ``[(intervention name, budget, outcome), ...]`` (Decimal or None).
    """
    rows = list(rows)
    chart = pygal.HorizontalBar(
        **{**OPTIONS, "height": max(160, 70 * len(rows) + 80), "value_formatter": _tkr}
    )
    in_kronor = {"plotted": _whole_kronor, "on_bar": _tkr, "described": _tkr_or_dash}
    return _paired_bars(
        chart,
        rows,
        _Series(_("Budget"), "B", **in_kronor),
        _Series(_("Outcome"), "U", **in_kronor),
        title=title or _("Budget and outcome per intervention"),
    )


def _whole_kronor(value):
    return None if value is None else int(value)


def _tkr_or_dash(value) -> str:
    return "–" if value is None else _tkr(value)


def _tkr(value) -> str:
    return format_tkr(value)

"""Plan texts are written in a small Markdown subset and rendered to safe HTML.

Raw HTML in the source is not interpreted (markdown-it's ``html`` option is
off) and the result passes nh3 with an allow-list, so no script, style or
event handler can reach a page or the PDF. Headings inside a text are moved
two levels down so they sit under the section's own heading.
"""

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {"p", "br", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
_HEADING = re.compile(r"<(/?)h([1-6])>")


def _shift_heading(match: re.Match) -> str:
    return f"<{match.group(1)}h{min(int(match.group(2)) + 2, 6)}>"


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Markdown source → sanitised HTML (a ``str``; mark it safe only in the template filter).

    A pure function of the text, so a process keeps the most recent results.
    """
    if not text:
        return ""
    html = _HEADING.sub(_shift_heading, _markdown.render(text))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )

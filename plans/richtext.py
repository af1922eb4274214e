"""Plan texts are written in a small Markdown subset and rendered to safe HTML.

Raw HTML in the source is not interpreted (markdown-it's ``html`` option is
off) and the result passes nh3 with an allow-list, so no script, style or
event handler can reach a page or the PDF. Headings inside a text are moved
two levels down so they sit under the section's own heading.
"""

import re
from functools import lru_cache
from html.parser import HTMLParser

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


BLOCK_TAGS = {"p", "h3", "h4", "h5", "h6", "ul", "ol"}
BULLET = "•"


class _TextOf(HTMLParser):
    """Rendered HTML → its words as a reader sees them: paragraphs and headings on lines of
    their own, list items as bullets or numbers, links as their text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[int | None] = []  # per open list: the next number, None for bullets
        self.item_opened = False  # a bullet written, its text not yet

    def _break(self, lines: int) -> None:
        if self.item_opened:
            return  # a paragraph inside a list item ("loose" list) stays after its bullet
        text = "".join(self.parts).rstrip(" ")
        if text:
            self.parts = [text.rstrip("\n") + "\n" * lines]

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self._break(1)
            number = self.lists[-1] if self.lists else None
            if number is None:
                self.parts.append(f"{BULLET} ")
            else:
                self.parts.append(f"{number}. ")
                self.lists[-1] = number + 1
            self.item_opened = True
        elif tag == "br":
            self.parts.append("\n")
        elif tag in BLOCK_TAGS:
            self._break(2)
            if tag in ("ul", "ol"):
                self.lists.append(1 if tag == "ol" else None)

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in BLOCK_TAGS:
            self._break(2)

    def handle_data(self, data):
        text = data.replace("\n", " ")  # a soft line break is a space
        if not self.parts or self.parts[-1].endswith(("\n", " ")):
            text = text.lstrip()
        if text:
            self.parts.append(text)
            self.item_opened = self.item_opened and not text.strip()


@lru_cache(maxsize=4096)
def render_text(text: str) -> str:
    """Markdown source → the plain text a reader sees (no ``**``, ``- `` or ``#``), for
    comparing two versions word by word."""
    parser = _TextOf()
    parser.feed(render_markdown(text or ""))
    parser.close()
    return "".join(parser.parts).strip()

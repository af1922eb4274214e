"""Checking an uploaded logo, and the service that stores it.

A logo is shown on the plan document's front page and running header, in the browser
and in the PDF, so it must be harmless in both. What is stored is never the uploaded
file as such:

- a PNG must be a real PNG image of sensible size; it is decoded and encoded anew, so
  nothing hidden after or between the image data (another file appended, text chunks)
  is kept;
- an SVG must contain nothing active and reference nothing outside itself (no script,
  no foreignObject, no event handler, no external href or url(), no entities); what
  drawing editors add for themselves (Inkscape's and Illustrator's own elements and
  attributes, RDF metadata, the standard SVG 1.1 DOCTYPE) is removed, and the drawing
  is written out anew with its namespace.

Anything active or unreadable is refused with a message.
"""

import hashlib
import io
import re
import xml.etree.ElementTree as ElementTree

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Association, AssociationLogo

MAX_LOGO_BYTES = 500 * 1024
MAX_PNG_SIDE = 4000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# The public DOCTYPE editors write (no internal subset, so no entities): dropped.
_PUBLIC_DOCTYPE = re.compile(
    rb"<!DOCTYPE\s+svg\s+PUBLIC\s+(\"[^\"]*\"|'[^']*')\s*(\"[^\"]*\"|'[^']*')?\s*>", re.I
)
# Elements an SVG logo may use: shapes, text, grouping, gradients, clipping.
ALLOWED_SVG_ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "metadata", "path", "rect", "circle", "ellipse",
    "line", "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient",
    "stop", "clipPath", "mask", "use", "symbol", "style",
}  # fmt: skip
# Styles: only these properties, with plain values (colours, lengths, names, numbers) and,
# for a paint, a reference to a gradient or pattern in the drawing itself (url(#id)).
# Checked after CSS escapes are undone, so u\72l( or @\69mport are seen for what they are.
ALLOWED_CSS_PROPERTIES = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
    "stroke-dashoffset", "opacity", "color", "display", "visibility", "clip-rule",
    "stop-color", "stop-opacity", "font-family", "font-size", "font-weight", "font-style",
    "font-variant", "font-stretch", "letter-spacing", "word-spacing", "text-anchor",
    "text-decoration", "dominant-baseline", "alignment-baseline", "baseline-shift",
    "enable-background", "isolation", "mix-blend-mode", "shape-rendering", "text-rendering",
    "color-interpolation-filters", "paint-order", "vector-effect", "line-height",
    "clip-path", "mask", "filter", "marker-start", "marker-mid", "marker-end", "overflow",
}  # fmt: skip
_CSS_VALUE = re.compile(r"[#\w\s.,%'\"+-]*", re.ASCII)
_CSS_COLOUR_FUNCTION = re.compile(r"(rgba?|hsla?)\(\s*[\d\s.,%+-]*\)", re.ASCII)
_CSS_LOCAL_URL = re.compile(r"url\(\s*(['\"]?)#[\w-]+\1\s*\)", re.ASCII)
_CSS_SELECTOR = re.compile(r"[\w\s.#,>*+~:-]+", re.ASCII)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\\(.)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.S)
MAX_SVG_DEPTH = 100


def _css_unescaped(text: str) -> str:
    """``text`` with CSS escapes (``\\72``, ``\\@``) undone and comments removed."""

    def character(match: re.Match) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return match.group(2)

    return _CSS_COMMENT.sub(" ", _CSS_ESCAPE.sub(character, text))


def _refuse_style() -> ValidationError:
    return ValidationError(
        _("The SVG file contains styles that are not allowed in a logo (only colours, "
          "lines and fonts are).")
    )  # fmt: skip


def _check_declarations(text: str) -> None:
    for declaration in text.split(";"):
        if not declaration.strip():
            continue
        name, colon, value = declaration.partition(":")
        name = name.strip().lower()
        if not colon or name not in ALLOWED_CSS_PROPERTIES:
            raise _refuse_style()
        value = _CSS_LOCAL_URL.sub("", _CSS_COLOUR_FUNCTION.sub("", value))
        value = re.sub(r"!\s*important\s*$", "", value.strip(), flags=re.I)
        if not _CSS_VALUE.fullmatch(value):
            raise _refuse_style()


def _check_css(text: str, *, sheet: bool = False) -> None:
    """Refuse a style attribute (or, with ``sheet``, a <style> element's text) that is not
    made of allowed properties with plain values: no url() but to the drawing itself, no
    image-set, @import or any other at-rule, no expression, in any spelling."""
    text = _css_unescaped(text)
    lowered = text.lower()
    if any(word in lowered for word in ("@", "expression", "image-set", "javascript:", "\\")):
        raise _refuse_style()
    if not sheet:
        _check_declarations(text)
        return
    rules = re.compile(r"([^{}]*)\{([^{}]*)\}")
    for match in rules.finditer(text):
        if not _CSS_SELECTOR.fullmatch(match.group(1).strip() or "x"):
            raise _refuse_style()
        _check_declarations(match.group(2))
    if rules.sub("", text).strip():  # text outside the rules, or nested braces
        raise _refuse_style()


def _check_depth(data: bytes) -> None:
    """Refuse a drawing nested deeper than any logo is, before anything walks it
    recursively (50 000 nested groups exhaust Python's recursion limit)."""
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    depth = 0
    chunk = 64 * 1024
    try:
        for start in range(0, len(data), chunk):
            parser.feed(data[start : start + chunk])
            for event, _element in parser.read_events():
                depth += 1 if event == "start" else -1
                if depth > MAX_SVG_DEPTH:
                    raise ValidationError(
                        _("The SVG file is nested too deeply (more than %(n)s levels).")
                        % {"n": MAX_SVG_DEPTH}
                    )
        parser.close()
    except ElementTree.ParseError as error:
        raise ValidationError(_("The file is not a readable SVG image.")) from error


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _without_editor_data(root: ElementTree.Element) -> None:
    """Remove, in place, the elements and attributes of namespaces other than SVG's
    (an editor's own data, which no renderer draws) and the metadata element."""
    for parent in root.iter():
        for child in list(parent):
            if not isinstance(child.tag, str):
                continue
            if _namespace(child.tag) != SVG_NS or _local_name(child.tag) == "metadata":
                parent.remove(child)
        for attribute in list(parent.attrib):
            if _namespace(attribute) not in ("", XLINK_NS, XML_NS):
                del parent.attrib[attribute]


def clean_svg(data: bytes) -> bytes:
    """The SVG drawing without editor data, written anew; ValidationError if anything in
    it is active or external."""
    data = _PUBLIC_DOCTYPE.sub(b"", data, count=1)
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise ValidationError(_("The SVG file must not contain a DTD or entities."))
    _check_depth(data)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ValidationError(_("The file is not a readable SVG image.")) from error
    if root.tag == "svg":
        # Written without its namespace: browsers would not show it as a drawing.
        for element in root.iter():
            if isinstance(element.tag, str) and not element.tag.startswith("{"):
                element.tag = f"{{{SVG_NS}}}{element.tag}"
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValidationError(_("The file is not a readable SVG image."))
    _without_editor_data(root)
    for element in root.iter():
        name = _local_name(element.tag)
        if name not in ALLOWED_SVG_ELEMENTS:
            raise ValidationError(
                _("The SVG file contains an element that is not allowed: %(name)s.")
                % {"name": name}
            )
        if name == "style":
            _check_css(element.text or "", sheet=True)
        for attribute, value in element.attrib.items():
            local = _local_name(attribute).lower()
            if local.startswith("on"):
                raise ValidationError(_("The SVG file contains a script (an event handler)."))
            if local == "href" and not value.strip().startswith("#"):
                raise ValidationError(_("The SVG file refers to something outside itself."))
            if local == "style":
                _check_css(value)
            elif "url(" in _css_unescaped(value).lower():
                _check_css(f"fill:{value}")  # a presentation attribute: a paint at most
    return _serialized(root)


def _serialized(root: ElementTree.Element) -> bytes:
    """The drawing as SVG source, its namespaces declared on the root in the usual way
    (ElementTree's own would name them ns0, ns1)."""
    prefixes = {XLINK_NS: "xlink", XML_NS: "xml"}
    used = set()
    for element in root.iter():
        element.tag = _local_name(element.tag)
        for key in list(element.attrib):
            namespace = _namespace(key)
            if namespace:
                used.add(namespace)
                value = element.attrib.pop(key)
                element.attrib[f"{prefixes[namespace]}:{_local_name(key)}"] = value
    declarations = {"xmlns": SVG_NS}
    if XLINK_NS in used:
        declarations["xmlns:xlink"] = XLINK_NS
    root.attrib = {**declarations, **root.attrib}
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def clean_png(data: bytes) -> bytes:
    """The PNG image decoded and encoded anew; ValidationError unless it is a whole PNG
    image of sensible dimensions."""
    from PIL import Image

    if not data.startswith(PNG_SIGNATURE):
        raise ValidationError(_("The file is not a PNG image."))
    too_large = ValidationError(
        _("The image is too large: at most %(n)s pixels on each side.") % {"n": MAX_PNG_SIDE}
    )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ValidationError(_("The file is not a PNG image."))
            if max(image.size) > MAX_PNG_SIDE:
                raise too_large
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            # Colour profile and transparency are part of the picture; the rest goes.
            keep = {k: image.info[k] for k in ("transparency", "icc_profile") if k in image.info}
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True, **keep)
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise too_large from error
    except Exception as error:
        raise ValidationError(_("The file is not a readable PNG image.")) from error
    return buffer.getvalue()


def clean_logo(data: bytes) -> tuple[str, bytes]:
    """The content type and the bytes to keep of an acceptable logo; ValidationError
    otherwise."""
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(
            _("The logo may be at most %(kb)s kB.") % {"kb": MAX_LOGO_BYTES // 1024}
        )
    if data.startswith(PNG_SIGNATURE):
        return AssociationLogo.ContentType.PNG, clean_png(data)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return AssociationLogo.ContentType.SVG, clean_svg(data)
    raise ValidationError(_("Upload the logo as a PNG or SVG file."))


def association_logo_set(*, association: Association, acting_user, data: bytes) -> AssociationLogo:
    """Check and clean the file and make it the förbund's logo (replacing any earlier one)."""
    content_type, data = clean_logo(data)
    with transaction.atomic():
        logo, _created = AssociationLogo.objects.update_or_create(
            association=association,
            defaults={
                "content_type": content_type,
                "image": data,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    return logo


def association_logo_remove(*, association: Association, acting_user) -> None:
    AssociationLogo.objects.filter(association=association).delete()

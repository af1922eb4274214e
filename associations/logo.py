"""Checking an uploaded logo, and the service that stores it.

A logo is shown on the plan document's front page and running header, in the browser
and in the PDF, so it must be harmless in both: a PNG must be a real PNG image of
sensible size, and an SVG must contain nothing active and reference nothing outside
itself (no script, no foreignObject, no event handler, no external href or url(), no
DTD). Anything else is refused with a message rather than silently altered.
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
# Elements an SVG logo may use: shapes, text, grouping, gradients, clipping.
ALLOWED_SVG_ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "metadata", "path", "rect", "circle", "ellipse",
    "line", "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient",
    "stop", "clipPath", "mask", "use", "symbol", "style",
}  # fmt: skip
_URL_IN_CSS = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
_CSS_DANGER = re.compile(r"@import|expression\s*\(|javascript:", re.IGNORECASE)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_css(text: str) -> None:
    if _CSS_DANGER.search(text):
        raise ValidationError(_("The SVG file contains styles that load or run something."))
    for target in _URL_IN_CSS.findall(text):
        if not target.startswith("#"):
            raise ValidationError(_("The SVG file refers to something outside itself."))


def check_svg(data: bytes) -> None:
    """Refuse an SVG with anything active or external in it."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise ValidationError(_("The SVG file must not contain a DTD or entities."))
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ValidationError(_("The file is not a readable SVG image.")) from error
    if root.tag not in (f"{{{SVG_NS}}}svg", "svg"):
        raise ValidationError(_("The file is not a readable SVG image."))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        name = _local_name(element.tag)
        if name not in ALLOWED_SVG_ELEMENTS:
            raise ValidationError(
                _("The SVG file contains an element that is not allowed: %(name)s.")
                % {"name": name}
            )
        if name == "style":
            _check_css(element.text or "")
        for attribute, value in element.attrib.items():
            local = _local_name(attribute).lower()
            if local.startswith("on"):
                raise ValidationError(_("The SVG file contains a script (an event handler)."))
            if local == "href" and not value.strip().startswith("#"):
                raise ValidationError(_("The SVG file refers to something outside itself."))
            if local == "style" or "url(" in value.lower():
                _check_css(value)


def check_png(data: bytes) -> None:
    """Refuse anything that is not a whole PNG image of sensible dimensions."""
    from PIL import Image

    if not data.startswith(PNG_SIGNATURE):
        raise ValidationError(_("The file is not a PNG image."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ValidationError(_("The file is not a PNG image."))
            width, height = image.size
            if max(width, height) > MAX_PNG_SIDE:
                raise ValidationError(
                    _("The image is too large: at most %(n)s pixels on each side.")
                    % {"n": MAX_PNG_SIDE}
                )
            image.verify()
    except ValidationError:
        raise
    except Exception as error:
        raise ValidationError(_("The file is not a readable PNG image.")) from error


def check_logo(data: bytes) -> str:
    """The content type of an acceptable logo; ValidationError otherwise."""
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(
            _("The logo may be at most %(kb)s kB.") % {"kb": MAX_LOGO_BYTES // 1024}
        )
    if data.startswith(PNG_SIGNATURE):
        check_png(data)
        return AssociationLogo.ContentType.PNG
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        check_svg(data)
        return AssociationLogo.ContentType.SVG
    raise ValidationError(_("Upload the logo as a PNG or SVG file."))


def association_logo_set(*, association: Association, acting_user, data: bytes) -> AssociationLogo:
    """Check the file and make it the förbund's logo (replacing any earlier one)."""
    content_type = check_logo(data)
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

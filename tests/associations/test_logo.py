"""The förbund's logo: what is accepted, how kansli uploads it, how it is served."""

import io
import struct
import zlib

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django_scopes import scope
from PIL import Image

from associations.logo import MAX_LOGO_BYTES, clean_logo
from associations.models import AssociationLogo


def png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 80, 160, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
    b'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 20 10">'
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="#123"/></linearGradient></defs>'
    b'<title>Logo</title><rect width="20" height="10" fill="url(#g)"/>'
    b'<use xlink:href="#g"/><text x="1" y="8" style="font-weight:bold">F</text></svg>'
)


def check_logo(data: bytes) -> str:
    return clean_logo(data)[0]


def pixels(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        return image.size, image.convert("RGBA").tobytes()


def test_a_png_and_a_plain_svg_are_accepted():
    assert check_logo(png()) == "image/png"
    assert check_logo(SVG) == "image/svg+xml"


def test_a_png_is_kept_as_its_picture_only():
    appended = png() + b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
    content_type, kept = clean_logo(appended)
    assert content_type == "image/png"
    assert b"%PDF" not in kept and kept.endswith(b"IEND\xaeB`\x82")
    assert pixels(kept) == pixels(png())


def with_size(data: bytes, width: int, height: int) -> bytes:
    """The PNG with its header claiming other dimensions (its data left as it is)."""
    header = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + header + struct.pack(">I", zlib.crc32(header)) + data[33:]


def test_a_png_claiming_huge_dimensions_is_refused_as_too_large():
    for side in (5000, 20000):
        with translation.override("en"), pytest.raises(ValidationError, match="too large"):
            clean_logo(with_size(png(), side, side))


INKSCAPE_SVG = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg width="210mm" height="60mm" viewBox="0 0 210 60" version="1.1" id="svg5"
   inkscape:version="1.2 (dc2aedaf03, 2022-05-15)" sodipodi:docname="logo.svg"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns="http://www.w3.org/2000/svg" xmlns:svg="http://www.w3.org/2000/svg"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
   xmlns:cc="http://creativecommons.org/ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <sodipodi:namedview id="namedview7" pagecolor="#ffffff" inkscape:zoom="0.7" />
  <metadata id="metadata1"><rdf:RDF><cc:Work rdf:about=""><dc:title>Logo</dc:title>
  </cc:Work></rdf:RDF></metadata>
  <g inkscape:label="Lager 1" inkscape:groupmode="layer" id="layer1">
    <rect style="fill:#16325c" id="rect1" width="200" height="50" x="5" y="5" />
  </g>
</svg>"""

ILLUSTRATOR_SVG = b"""<?xml version="1.0" encoding="utf-8"?>
<!-- Generator: Adobe Illustrator 27.0.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" id="Lager_1" xmlns="http://www.w3.org/2000/svg"
   xmlns:xlink="http://www.w3.org/1999/xlink" x="0px" y="0px" viewBox="0 0 200 50"
   style="enable-background:new 0 0 200 50;" xml:space="preserve">
<style type="text/css">.st0{fill:#16325C;}</style>
<rect class="st0" width="200" height="50"/>
</svg>"""


@pytest.mark.parametrize("svg", [INKSCAPE_SVG, ILLUSTRATOR_SVG], ids=["inkscape", "illustrator"])
def test_an_svg_from_a_drawing_program_is_accepted_without_the_programs_own_data(svg):
    content_type, kept = clean_logo(svg)
    assert content_type == "image/svg+xml"
    for editor_data in (b"sodipodi", b"inkscape", b"rdf", b"metadata", b"DOCTYPE", b"<!--"):
        assert editor_data not in kept, editor_data
    assert kept.startswith(b"<?xml") and b'xmlns="http://www.w3.org/2000/svg"' in kept
    assert b"<rect" in kept and b"#16325" in kept


def test_an_svg_without_its_namespace_is_given_it():
    kept = clean_logo(b'<svg width="30" height="10"><rect width="30" height="10"/></svg>')[1]
    assert b'<svg xmlns="http://www.w3.org/2000/svg" width="30" height="10">' in kept
    assert b'<rect width="30" height="10"' in kept


def test_elements_of_other_namespaces_are_dropped_not_passed_on():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml">'
        b"<h:script>alert(1)</h:script><rect/></svg>"
    )
    assert b"script" not in clean_logo(svg)[1]


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="x()"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="https://evil.example/x.png"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/a.svg#x"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.example/x)"/>'
        b"</svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(x.css);</style></svg>',
        b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "svg11.dtd" [<!ENTITY x "y">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        b"<html><body>not an svg</body></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
    ],
)
def test_an_svg_with_anything_active_or_external_is_refused(svg):
    with pytest.raises(ValidationError):
        check_logo(svg)


def test_a_damaged_or_fake_png_is_refused():
    data = png()
    with pytest.raises(ValidationError):
        check_logo(data[: len(data) // 2])
    with pytest.raises(ValidationError):
        check_logo(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(ValidationError):
        check_logo(b"GIF89a....")


def test_too_large_a_logo_is_refused():
    with pytest.raises(ValidationError):
        check_logo(SVG + b" " * MAX_LOGO_BYTES)
    with pytest.raises(ValidationError):
        check_logo(png(size=(5000, 10)))


def upload_url(association):
    return reverse("associations:logo_update", kwargs={"association_slug": association.slug})


def logo_url(association):
    return reverse("associations:logo", kwargs={"association_slug": association.slug})


def test_kansli_uploads_a_logo_that_every_member_sees(kansli_client, association, members, client):
    response = kansli_client.post(
        upload_url(association),
        {"file": SimpleUploadedFile("logo.png", png(), content_type="image/png")},
    )
    assert response.status_code == 302
    client.force_login(members["revisor"])
    image = client.get(logo_url(association))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert pixels(image.content) == pixels(png())
    assert "default-src 'none'" in image["Content-Security-Policy"]
    assert image["X-Content-Type-Options"] == "nosniff"


def test_a_hostile_svg_is_refused_with_a_message(kansli_client, association):
    hostile = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = kansli_client.post(
        upload_url(association),
        {"file": SimpleUploadedFile("logo.svg", hostile, content_type="image/svg+xml")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    with scope(association=association):
        assert not AssociationLogo.objects.filter(association=association).exists()


def test_kansli_removes_the_logo(kansli_client, association):
    kansli_client.post(
        upload_url(association),
        {"file": SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")},
    )
    assert kansli_client.get(logo_url(association)).status_code == 200
    page = kansli_client.get(upload_url(association))
    assert 'enctype="multipart/form-data"' in page.content.decode()
    kansli_client.post(upload_url(association), {"remove": "on"})
    assert kansli_client.get(logo_url(association)).status_code == 404


def test_another_associations_logo_is_not_reachable(client, association, outsider):
    with scope(association=association):
        AssociationLogo.objects.create(
            association=association, content_type="image/svg+xml", image=SVG, sha256="0" * 64
        )
    client.force_login(outsider)
    assert client.get(logo_url(association)).status_code == 404


def sv(msgid: str) -> str:
    with translation.override("sv"):
        return translation.gettext(msgid)


def form_errors(kansli_client, association, data):
    response = kansli_client.post(upload_url(association), data)
    assert response.status_code == 200
    return [str(e) for errors in response.context["form"].errors.values() for e in errors]


def test_the_form_says_one_thing_at_a_time(kansli_client, association):
    empty = SimpleUploadedFile("logo.png", b"", content_type="image/png")
    errors = form_errors(kansli_client, association, {"file": empty})
    assert errors == [sv(str(forms.FileField.default_error_messages["empty"]))]
    # With no logo there is nothing to remove: the box is not offered.
    assert 'name="remove"' not in kansli_client.get(upload_url(association)).content.decode()
    assert form_errors(kansli_client, association, {}) == [sv("Choose a file.")]


def test_a_new_file_and_removing_at_once_is_refused(kansli_client, association):
    kansli_client.post(
        upload_url(association),
        {"file": SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")},
    )
    assert 'name="remove"' in kansli_client.get(upload_url(association)).content.decode()
    new = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    errors = form_errors(kansli_client, association, {"file": new, "remove": "on"})
    assert errors == [sv("Choose a new file or tick to remove the present logo, not both.")]
    with scope(association=association):
        assert AssociationLogo.objects.get(association=association).content_type == "image/svg+xml"


def svg_with(inner: bytes) -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">' + inner + b"</svg>"


@pytest.mark.parametrize(
    "svg",
    [
        # CSS escapes spell what the plain check looks for.
        svg_with(b'<rect style="fill:u\\72l(https://e.example/x)"/>'),
        svg_with(b'<rect style="fill:\\75 rl(https://e.example/x)"/>'),
        svg_with(b"<style>@\\69mport 'https://e.example/x.css';</style>"),
        svg_with(b"<style>\\@import 'x.css';</style>"),
        svg_with(b'<rect style="fill:image-set(&quot;https://e.example/x.png&quot; 1x)"/>'),
        svg_with(b"<rect style=\"fill:im\\61ge-set('https://e.example/x.png' 1x)\"/>"),
        svg_with(b'<rect style="width:expr/**/ession(alert(1))"/>'),
        svg_with(b'<rect style="fill:red;background-image:linear-gradient(red,blue)"/>'),
        svg_with(b"<style>rect{fill:red}@font-face{src:url(https://e.example/f)}</style>"),
        svg_with(b"<style>rect{cursor:url(https://e.example/c),auto}</style>"),
        svg_with(b'<rect fill="u\\72l(https://e.example/x)"/>'),
        svg_with(b'<rect style="fill:url(https://e.example/x#g)"/>'),
    ],
)
def test_a_style_outside_the_allow_list_is_refused_in_any_spelling(svg):
    with pytest.raises(ValidationError):
        check_logo(svg)


def test_plain_styles_a_drawing_program_writes_are_kept():
    svg = svg_with(
        b"<style>.st0{fill:#16325C;stroke:rgb(0, 0, 0);stroke-width:0.5px}"
        b"#a > text{font-family:'DejaVu Sans',sans-serif;font-weight:bold}</style>"
        b'<defs><linearGradient id="g-1"/></defs>'
        b'<rect class="st0" style="fill:url(#g-1);opacity:.8 !important"/>'
        b'<g style="clip-path:url(&quot;#g-1&quot;);fill:none;stroke:hsla(0,0%,0%,.5)"/>'
    )
    assert b"url(#g-1)" in clean_logo(svg)[1]


def test_a_deeply_nested_logo_is_refused_with_a_message():
    depth = 50_000
    svg = svg_with(b"<g>" * depth + b"<rect/>" + b"</g>" * depth)
    with translation.override("sv"), pytest.raises(ValidationError) as refused:
        check_logo(svg)
    assert "nästlad" in refused.value.messages[0]


def test_a_deeply_nested_logo_upload_gets_the_form_back(kansli_client, association):
    svg = svg_with(b"<g>" * 50_000 + b"</g>" * 50_000)
    response = kansli_client.post(
        upload_url(association),
        {"file": SimpleUploadedFile("logo.svg", svg, content_type="image/svg+xml")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    with scope(association=association):
        assert not AssociationLogo.objects.filter(association=association).exists()

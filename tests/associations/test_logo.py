"""The förbund's logo: what is accepted, how kansli uploads it, how it is served."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope
from PIL import Image

from associations.logo import MAX_LOGO_BYTES, check_logo
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


def test_a_png_and_a_plain_svg_are_accepted():
    assert check_logo(png()) == "image/png"
    assert check_logo(SVG) == "image/svg+xml"


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
    assert image.content == png()
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

"""A request body over MAX_REQUEST_BODY is refused with 413 before anything reads it."""

import io

import pytest
from django.conf import settings
from django.test import Client


class UnreadableBody(io.RawIOBase):
    """A body stream that fails the test if anyone reads it."""

    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("the request body was read")

    readinto = readline = read


@pytest.mark.django_db
def test_anonymous_large_post_to_login_is_refused_unread():
    client = Client(raise_request_exception=True)
    response = client.generic(
        "POST",
        "/accounts/login/",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    assert response["Connection"] == "close"
    assert "för stor" in response.content.decode()


@pytest.mark.django_db
def test_largest_accepted_upload_fits_under_the_cap():
    from associations.logo import MAX_LOGO_BYTES
    from budgets.importing import MAX_BYTES

    largest = max(MAX_LOGO_BYTES, MAX_BYTES)
    # Room for the multipart envelope and the other fields of the form.
    assert largest + 64 * 1024 <= settings.MAX_REQUEST_BODY
    assert largest <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.django_db
def test_a_small_post_passes_the_cap(client):
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_sie_import_takes_20_mb_from_a_signed_in_user_only(client, django_user_model):
    """The outcome's SIE file may be 20 MB: its path takes a larger body, but only with a
    signed-in session; anyone else is refused unread, as everywhere."""
    from budgets.sie import MAX_SIE_BYTES

    path = "/f/norra-vastmanland/budgets/plans/1/outcome/import/"
    size = str(MAX_SIE_BYTES + 512 * 1024)
    anonymous = Client(raise_request_exception=True).generic(
        "POST",
        path,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=size,
        **{"wsgi.input": UnreadableBody()},
    )
    assert anonymous.status_code == 413
    assert MAX_SIE_BYTES + 64 * 1024 <= settings.MAX_LARGE_UPLOAD_BODY
    user = django_user_model.objects.create_user(username="k", password="x")
    client.force_login(user)
    too_large = client.generic(
        "POST",
        path,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.MAX_LARGE_UPLOAD_BODY + 1),
        **{"wsgi.input": UnreadableBody()},
    )
    assert too_large.status_code == 413
    # Within the larger limit the request goes on to the view (no förbund here: 404).
    response = client.post(path, {"file": io.BytesIO(b"x" * (4 * 1024 * 1024))})
    assert response.status_code == 404

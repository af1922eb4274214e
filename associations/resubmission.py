"""Nothing is made twice: a create form sent again finds what its first sending made.

A create form gets a hidden one-time token when it is shown. Saving it records
the token (``FormSubmission``, unique on the token) in the same transaction as
the record it creates. The same form sent again, one after the other or at the
same moment, cannot record the token a second time: its transaction is rolled
back and the sender is taken to the record the first sending made, with a
message. A sending the service refused records nothing, so the corrected form
(same token) can be saved.

Comments also keep a repeated identical comment once (``plans.comments``); the
token is the general rule, for every create form.
"""

import datetime
import uuid

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FormSubmission

TOKEN_FIELD = "submission_token"
# Long enough for any resent form; the table stays small.
KEPT_FOR = datetime.timedelta(days=7)


def add_submission_token(form) -> None:
    """Give ``form`` its hidden one-time token (a new one each time it is shown empty)."""
    form.fields[TOKEN_FIELD] = forms.UUIDField(
        required=False, widget=forms.HiddenInput, initial=uuid.uuid4
    )


def submission_record(*, association, token: uuid.UUID) -> FormSubmission | None:
    """Claim ``token`` inside the caller's transaction; None if it was claimed before."""
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(association=association, token=token)
    except IntegrityError:
        return None


class OnceOnlyCreateMixin:
    """For a create form view: the token on the form, and ``form_valid`` run once per token.

    ``form_valid`` must answer a successful save with a redirect (every form here does).
    """

    resent_message = _(
        "This form had already been sent and saved; it has not been saved a second time."
    )

    def is_create(self) -> bool:
        instance = getattr(self, "object", None)
        return instance is None or instance.pk is None

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.is_create():
            add_submission_token(form)
        return form

    def form_valid(self, form):
        # Out of cleaned_data: a service that takes the form's data whole never sees it.
        token = form.cleaned_data.pop(TOKEN_FIELD, None)
        if token is None:
            return super().form_valid(form)
        with transaction.atomic():
            record = submission_record(association=self.association, token=token)
            if record is None:
                return self.resent(token)
            response = super().form_valid(form)
            if not isinstance(response, HttpResponseRedirect):
                transaction.set_rollback(True)  # refused: the corrected form may be sent again
                return response
            record.result_url = response.url[:500]
            record.save(update_fields=["result_url"])
            FormSubmission.objects.filter(
                association=self.association, created_at__lt=timezone.now() - KEPT_FOR
            ).delete()
        return response

    def form_invalid(self, form):
        # The second sending of a form can be made invalid by its own first sending (a
        # name now taken, a version moved on): a claimed token means it was saved. The
        # token is popped in form_valid, so a service's refusal does not come here with it.
        token = getattr(form, "cleaned_data", {}).get(TOKEN_FIELD)
        if (
            token is not None
            and self.is_create()
            and FormSubmission.objects.filter(association=self.association, token=token).exists()
        ):
            return self.resent(token)
        return super().form_invalid(form)

    def resent(self, token):
        earlier = FormSubmission.objects.filter(association=self.association, token=token).first()
        messages.info(self.request, self.resent_message)
        url = earlier.result_url if earlier and earlier.result_url else self.get_success_url()
        return HttpResponseRedirect(url)

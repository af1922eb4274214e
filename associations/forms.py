"""Forms take the active förbund, narrow every choice to it, and never write."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from finsam import ratelimit
from finsam.validators import guard_text_fields

from .models import (
    Association,
    AssociationLogo,
    BoardSeat,
    IdentityProvider,
    MemberParty,
    OfficeContact,
    Role,
    User,
)


class AssociationFormMixin:
    """Accepts ``association=`` and gives the form a crispy helper with a save button.
    Every text field refuses control characters (line breaks only in a textarea)."""

    submit_label = _("Save")

    def __init__(self, *args, association: Association, **kwargs):
        self.association = association
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # The server's Swedish messages, not the browser's own pop-ups, explain bad input.
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", self.submit_label))

    def full_clean(self):
        # Here rather than in __init__, so fields a subclass adds in its own __init__ count.
        guard_text_fields(self)
        super().full_clean()


class VersionedPartFormMixin:
    """A form for one versioned part of a document (a plan's, a report's): the hidden
    ``version`` is the one the editor loaded, and a textarea's line
    breaks, which browsers send as CRLF, are stored as one kind."""

    def set_version(self) -> None:
        if not hasattr(self.instance, "version"):
            del self.fields["version"]
        else:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        for name, value in data.items():
            if isinstance(value, str) and "\r" in value:
                data[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return data


class AssociationDetailsForm(AssociationFormMixin, forms.ModelForm):
    class Meta:
        model = Association
        fields = [
            "name",
            "short_name",
            "org_number",
            "street_address",
            "postal_code",
            "city",
            "email",
            "phone",
            "website",
            "board_note",
            "chair_records_decision",
            "quarter_deadline_days",
            "reminder_days_before",
            "next_plan_month",
            "next_plan_day",
            "audit_retention_months",
            "require_two_factor",
        ]
        widgets = {
            "org_number": forms.TextInput(attrs={"placeholder": "NNNNNN-NNNN"}),
            "board_note": forms.Textarea(attrs={"rows": 3}),
        }


class IdentityProviderForm(AssociationFormMixin, forms.ModelForm):
    """The förbund's own OpenID Connect login. The client secret is never shown again:
    left empty, the saved one is kept."""

    issuer = forms.URLField(
        label=capfirst(IdentityProvider._meta.get_field("issuer").verbose_name),
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
        max_length=300,
        assume_scheme="https",
        widget=forms.TextInput(attrs={"placeholder": "https://"}),
    )
    client_secret = forms.CharField(
        label=capfirst(_("client secret")),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = IdentityProvider
        fields = ["enabled", "label", "issuer", "client_id", "client_secret", "email_claim"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = bool(self.instance.pk and self.instance.client_secret)
        self.fields["client_secret"].help_text = (
            _("A secret is saved. Leave empty to keep it.")
            if saved
            else _("The secret the identity provider gave for this application.")
        )

    def clean_client_secret(self):
        secret = self.cleaned_data.get("client_secret", "")
        if secret:
            return secret
        if self.instance.pk and self.instance.client_secret:
            return self.instance.client_secret
        raise forms.ValidationError(_("Enter the client secret."))

    def clean_issuer(self):
        return (self.cleaned_data.get("issuer") or "").rstrip("/")


class MemberPartyForm(AssociationFormMixin, forms.ModelForm):
    class Meta:
        model = MemberParty
        fields = ["kind", "name", "population", "member_until", "order"]


class BoardSeatForm(AssociationFormMixin, forms.ModelForm):
    party = SafeModelChoiceField(queryset=MemberParty.objects.none(), label=_("Member party"))
    user = SafeModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("User account"),
        help_text=_(
            "The board member's own account here (a user with the board member role). The "
            "chair's account may record the board's decision where the förbund allows it."
        ),
    )

    class Meta:
        model = BoardSeat
        fields = ["name", "party", "seat", "office", "user"]

    def __init__(self, *args, association, **kwargs):
        super().__init__(*args, association=association, **kwargs)
        self.fields["party"].queryset = MemberParty.objects.filter(association=association)
        self.fields["user"].queryset = User.objects.filter(
            memberships__association=association, memberships__role=Role.BOARD_MEMBER
        ).order_by("last_name", "first_name", "username")


class OfficeContactForm(AssociationFormMixin, forms.ModelForm):
    class Meta:
        model = OfficeContact
        fields = ["title", "name", "email", "phone", "order"]


class InvitationForm(AssociationFormMixin, forms.Form):
    submit_label = _("Send invitation")

    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AccountForm(forms.Form):
    """The account of an invited address, made when the person accepts (the address is
    the invitation's)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("The password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") != data["password"]:
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class MembershipRoleForm(AssociationFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class LogoForm(AssociationFormMixin, forms.Form):
    """A new logo file, or removing the present one. The file is checked by the service."""

    submit_label = _("Save the logo")

    file = forms.FileField(
        label=_("Logo file (PNG or SVG)"),
        required=False,
        help_text=_("At most 500 kB. Shown on the front page and at the top of each page."),
    )
    remove = forms.BooleanField(label=_("Remove the present logo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_logo = AssociationLogo.objects.filter(association=self.association).exists()
        if not self.has_logo:
            del self.fields["remove"]  # nothing to remove

    def clean(self):
        data = super().clean()
        if "file" in self.errors:
            return data  # the file's own message says it (an empty file, say)
        if data.get("file") and data.get("remove"):
            raise forms.ValidationError(
                _("Choose a new file or tick to remove the present logo, not both.")
            )
        if not data.get("file") and not data.get("remove"):
            if self.has_logo:
                raise forms.ValidationError(_("Choose a file, or tick to remove the logo."))
            raise forms.ValidationError(_("Choose a file."))
        return data


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Django's "forgot password" form, with at most a few mails per address and per
    client address an hour (``finsam.ratelimit``). Beyond the limit nothing is sent and
    the page says the same as always, so the answer tells nobody whether an account
    exists or how many mails it got."""

    def save(self, *args, request=None, **kwargs):
        email = self.cleaned_data["email"]
        client = ratelimit.client_address(request) if request is not None else "-"
        if ratelimit.PASSWORD_RESETS_PER_CLIENT.exceeded(client):
            return
        if not ratelimit.PASSWORD_RESETS_PER_ADDRESS.hit(email):
            return
        ratelimit.PASSWORD_RESETS_PER_CLIENT.hit(client)
        super().save(*args, request=request, **kwargs)


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from the authenticator app (or, to log in, a recovery code)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

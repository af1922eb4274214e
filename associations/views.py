from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views import i18n as i18n_views
from django.views.generic import TemplateView
from django_scopes import scope

from . import home, invitations, logo, outbox, services, sso, two_factor
from .forms import (
    AccountForm,
    AssociationDetailsForm,
    BoardSeatForm,
    IdentityProviderForm,
    InvitationForm,
    LogoForm,
    MemberPartyForm,
    MembershipRoleForm,
    OfficeContactForm,
    TwoFactorCodeForm,
)
from .mixins import (
    AssociationFormView,
    AssociationListView,
    AssociationObjectDeleteView,
    AssociationObjectFormView,
    AssociationObjectMixin,
    AssociationPageView,
    AssociationPermissionMixin,
    ServiceFormMixin,
    apply_validation_error,
    show_validation_error,
)
from .models import (
    AssociationLogo,
    BoardSeat,
    IdentityProvider,
    Invitation,
    MemberParty,
    Membership,
    OfficeContact,
    OutgoingMail,
    User,
)
from .resubmission import OnceOnlyCreateMixin
from .selectors import association_overview, memberships_across_associations
from .tables import (
    BoardSeatTable,
    InvitationTable,
    MemberPartyTable,
    MembershipTable,
    OfficeContactTable,
)

MANAGE = "associations.manage_association"


class ChooseAssociationView(LoginRequiredMixin, TemplateView):
    """The landing page: straight into the only förbund, or a choice among several."""

    template_name = "associations/association_choose.html"

    def get(self, request, *args, **kwargs):
        memberships = memberships_across_associations(user=request.user)
        if len(memberships) == 1:
            return redirect("associations:home", association_slug=memberships[0].association.slug)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            memberships=memberships_across_associations(user=self.request.user), **kwargs
        )


class AssociationHomeView(AssociationPageView):
    template_name = "associations/association_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **association_overview(association=self.association),
            home_panels=home.home_panels(
                request=self.request,
                association=self.association,
                membership=self.request.membership,
            ),
            **kwargs,
        )


class AssociationDetailsUpdateView(ServiceFormMixin, AssociationPermissionMixin, TemplateView):
    permission_required = MANAGE
    template_name = "associations/object_form.html"
    success_url_name = "associations:home"

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return AssociationDetailsForm(data, instance=self.association, association=self.association)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.get_form())
        return super().get_context_data(
            page_title=_("Edit the förbund's details"),
            cancel_url=self.get_success_url(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.association_update(
                association=form.instance,
                acting_user=request.user,
                fields=list(form.changed_data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class MailRetryView(AssociationObjectMixin, View):
    """Kansli: try again a mail of the förbund that could not be sent (POST only; on the
    to-do list of the home page). A mail that is not failed is not found."""

    permission_required = MANAGE
    model = OutgoingMail
    http_method_names = ["post"]

    def get_queryset(self):
        return super().get_queryset().filter(status=OutgoingMail.Status.FAILED)

    def post(self, request, *args, **kwargs):
        mail = self.get_object()
        with transaction.atomic():
            outbox.retry_failed(mail)
        messages.success(
            request,
            _("The e-mail to %(to)s will be sent again.") % {"to": ", ".join(mail.to)},
        )
        return redirect("associations:home", association_slug=self.association.slug)


class LogoUpdateView(AssociationFormView):
    """Kansli uploads (or removes) the förbund's logo for the plan documents."""

    permission_required = MANAGE
    form_class = LogoForm
    page_title = _("The förbund's logo")
    success_message = _("The logo has been saved.")
    success_url_name = "associations:home"
    template_name = "associations/logo_form.html"

    def get_context_data(self, **kwargs):
        current = AssociationLogo.objects.filter(association=self.association).first()
        return super().get_context_data(current_logo=current, **kwargs)

    def perform(self, form):
        upload = form.cleaned_data.get("file")
        if upload:
            if upload.size > logo.MAX_LOGO_BYTES:
                raise ValidationError(
                    {
                        "file": _("The logo may be at most %(kb)s kB.")
                        % {"kb": logo.MAX_LOGO_BYTES // 1024}
                    }
                )
            try:
                logo.association_logo_set(
                    association=self.association, acting_user=self.request.user, data=upload.read()
                )
            except ValidationError as error:
                raise ValidationError({"file": error.messages}) from error
        elif form.cleaned_data.get("remove"):
            logo.association_logo_remove(
                association=self.association, acting_user=self.request.user
            )
            self.success_message = _("The logo has been removed.")


class LogoView(AssociationPermissionMixin, View):
    """The logo image, for every member (the document page shows it)."""

    def refusal(self):
        self.logo = AssociationLogo.objects.filter(association=self.association).first()
        if self.logo is None:
            raise Http404(_("The förbund has no logo."))
        return None

    def get(self, request, *args, **kwargs):
        response = HttpResponse(bytes(self.logo.image), content_type=self.logo.content_type)
        # An SVG opened on its own runs nothing and loads nothing, whatever slipped through.
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=86400"
        return response


# Member parties ---------------------------------------------------------------


class MemberPartyListView(AssociationListView):
    permission_required = MANAGE
    model = MemberParty
    table_class = MemberPartyTable
    page_title = _("Member parties")
    intro = _(
        "Försäkringskassan, Arbetsförmedlingen, the region and each kommun. "
        "A kommun's population splits the kommuner's quarter of the contributions."
    )
    create_url_name = "associations:party_create"
    edit_url_name = "associations:party_update"
    delete_url_name = "associations:party_delete"


class MemberPartyFormView(AssociationObjectFormView):
    permission_required = MANAGE
    model = MemberParty
    form_class = MemberPartyForm
    create_title = _("Add a member party")
    update_title = _("Edit member party")
    success_url_name = "associations:party_list"


class MemberPartyDeleteView(AssociationObjectDeleteView):
    permission_required = MANAGE
    model = MemberParty
    success_url_name = "associations:party_list"
    page_title = _("Remove member party")
    protected_message = _("This member party still has board members. Move or remove them first.")


# Board ------------------------------------------------------------------------


class BoardSeatListView(AssociationListView):
    permission_required = MANAGE
    model = BoardSeat
    table_class = BoardSeatTable
    page_title = _("Board")
    intro = _("Ordinary members and deputies per member party, with the chair and vice chair.")
    create_url_name = "associations:board_create"
    edit_url_name = "associations:board_update"
    delete_url_name = "associations:board_delete"

    def get_queryset(self):
        return super().get_queryset().select_related("party")


class BoardSeatFormView(AssociationObjectFormView):
    permission_required = MANAGE
    model = BoardSeat
    form_class = BoardSeatForm
    create_title = _("Add a board member")
    update_title = _("Edit board member")
    success_url_name = "associations:board_list"


class BoardSeatDeleteView(AssociationObjectDeleteView):
    permission_required = MANAGE
    model = BoardSeat
    success_url_name = "associations:board_list"
    page_title = _("Remove board member")


# Kansli contacts --------------------------------------------------------------


class OfficeContactListView(AssociationListView):
    permission_required = MANAGE
    model = OfficeContact
    table_class = OfficeContactTable
    page_title = _("Kansli contacts")
    intro = _("The people and roles of the kansli, shown on the förbund's home page.")
    create_url_name = "associations:contact_create"
    edit_url_name = "associations:contact_update"
    delete_url_name = "associations:contact_delete"


class OfficeContactFormView(AssociationObjectFormView):
    permission_required = MANAGE
    model = OfficeContact
    form_class = OfficeContactForm
    create_title = _("Add a kansli contact")
    update_title = _("Edit kansli contact")
    success_url_name = "associations:contact_list"


class OfficeContactDeleteView(AssociationObjectDeleteView):
    permission_required = MANAGE
    model = OfficeContact
    success_url_name = "associations:contact_list"
    page_title = _("Remove kansli contact")


# Users and roles --------------------------------------------------------------

MANAGE_USERS = "associations.manage_memberships"


class MembershipListView(AssociationListView):
    permission_required = MANAGE_USERS
    model = Membership
    table_class = MembershipTable
    page_title = _("Users")
    intro = _(
        "Kansli edits everything; the board reads, comments and approves; project leaders "
        "report follow-up for their interventions; auditors read."
    )
    create_url_name = "associations:membership_invite"
    edit_url_name = "associations:membership_update"
    delete_url_name = "associations:membership_delete"

    def get_queryset(self):
        return super().get_queryset().select_related("user")

    def get_context_data(self, **kwargs):
        links = [(self.association_url("associations:invitation_list"), _("Invitations"))]
        return super().get_context_data(extra_links=links, **kwargs)


class MembershipInviteView(OnceOnlyCreateMixin, AssociationFormView):
    """Invite an address to a role: nothing is given until the person accepts
    (``associations.invitations``)."""

    permission_required = MANAGE_USERS
    form_class = InvitationForm
    page_title = _("Invite a user")
    success_url_name = "associations:invitation_list"
    mail_failed_message = _(
        "The invitation has been saved, but it could not be sent by e-mail. Try again "
        "later with the button “Send again” in the list of invitations."
    )

    def perform(self, form):
        self.sending = invitations.invitation_send(
            association=self.association,
            acting_user=self.request.user,
            base_url=site_url(self.request),
            **form.cleaned_data,
        )

    def report_success(self) -> None:
        if self.sending.mail_sent is False:
            messages.error(self.request, self.mail_failed_message)
        else:
            messages.success(
                self.request,
                _("The invitation has been sent to %(email)s. It is valid for %(days)s days.")
                % {"email": self.sending.invitation.email, "days": Invitation.VALID_DAYS},
            )


class InvitationListView(AssociationListView):
    """The förbund's invitations: the address typed, the role and the state, newest first."""

    permission_required = MANAGE_USERS
    model = Invitation
    table_class = InvitationTable
    page_title = _("Invitations")
    intro = _(
        "An invitation gives nothing until the person accepts it, logged in with an "
        "account of the invited address. A link is valid for %(days)s days from when it "
        "was last sent."
    ) % {"days": Invitation.VALID_DAYS}
    create_url_name = "associations:membership_invite"

    def get_context_data(self, **kwargs):
        links = [(self.association_url("associations:membership_list"), _("Users"))]
        return super().get_context_data(extra_links=links, **kwargs)

    def get_table_data(self):
        now = timezone.now()
        rows = list(super().get_table_data())
        for row in rows:
            row.state_shown = row.shown_state(now)
            row.resend_url = self.association_url("associations:invitation_resend", pk=row.pk)
            row.revoke_url = self.association_url("associations:invitation_revoke", pk=row.pk)
        return rows


class InvitationActionView(AssociationObjectMixin, View):
    """A button in the list of invitations (POST only); back to the list with a message."""

    permission_required = MANAGE_USERS
    model = Invitation
    http_method_names = ["post"]

    def get_queryset(self):
        return super().get_queryset().select_related("association")

    def act(self, invitation) -> None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            self.act(self.get_object())
        except ValidationError as error:
            show_validation_error(request, error)
        return HttpResponseRedirect(self.association_url("associations:invitation_list"))


class InvitationResendView(InvitationActionView):
    def act(self, invitation) -> None:
        sending = invitations.invitation_resend(
            invitation=invitation, acting_user=self.request.user, base_url=site_url(self.request)
        )
        if sending.mail_sent is False:
            messages.error(
                self.request,
                _(
                    "The invitation could not be sent by e-mail this time either. Try "
                    "again later, or ask the platform administrator to check the mail "
                    "server."
                ),
            )
        else:
            messages.success(
                self.request,
                _("The invitation has been sent again to %(email)s.") % {"email": invitation.email},
            )


class InvitationRevokeView(InvitationActionView):
    def act(self, invitation) -> None:
        invitations.invitation_revoke(invitation=invitation, acting_user=self.request.user)
        messages.success(
            self.request,
            _("The invitation to %(email)s has been revoked: its link no longer works.")
            % {"email": invitation.email},
        )


class InvitationAcceptView(TemplateView):
    """The link in the invitation mail, outside any förbund. Logged in with the invited
    address's account: one button accepts. Logged out: log in, or make the account with
    a password of one's own. A link that names nothing is a 404."""

    template_name = "associations/invitation_accept.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = invitations.invitation_by_token(kwargs["token"])
        if self.invitation is None:
            raise Http404
        with scope(association=self.invitation.association):
            return super().dispatch(request, *args, **kwargs)

    def user(self):
        return self.request.user if self.request.user.is_authenticated else None

    def get_context_data(self, **kwargs):
        user = self.user()
        if user is None and "form" not in kwargs:
            kwargs["form"] = AccountForm(
                initial={
                    "first_name": self.invitation.first_name,
                    "last_name": self.invitation.last_name,
                }
            )
        return super().get_context_data(
            invitation=self.invitation,
            refusal=invitations.refusal(self.invitation, user),
            login_url=f"{reverse('login')}?{urlencode({'next': self.request.path})}",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        user = self.user()
        form = None
        try:
            if user is not None:
                invitations.invitation_accept(invitation=self.invitation, user=user)
            else:
                form = AccountForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                user = invitations.invitation_accept_new_account(
                    invitation=self.invitation,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    password=form.cleaned_data["password"],
                )
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as error:
            if form is None:
                show_validation_error(request, error)
                return HttpResponseRedirect(request.path)
            apply_validation_error(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        association = self.invitation.association
        messages.success(
            request,
            _("Welcome to %(association)s. You have the role %(role)s.")
            % {"association": association.display_name, "role": self.invitation.get_role_display()},
        )
        return redirect("associations:home", association_slug=association.slug)


def site_url(request) -> str:
    """The address links in a mail start with (the one the kansli user is using)."""
    return f"{request.scheme}://{request.get_host()}"


class MembershipUpdateView(AssociationObjectMixin, AssociationFormView):
    permission_required = MANAGE_USERS
    model = Membership
    form_class = MembershipRoleForm
    success_url_name = "associations:membership_list"

    @cached_property
    def membership(self):
        return self.get_object()

    def get_queryset(self):
        return super().get_queryset().select_related("user")

    def get_initial(self):
        return {"role": self.membership.role}

    def get_page_title(self):
        return _("Change the role of %(name)s") % {"name": self.membership.user}

    def perform(self, form):
        services.membership_change_role(
            membership=self.membership,
            acting_user=self.request.user,
            role=form.cleaned_data["role"],
        )


class MembershipDeleteView(AssociationObjectDeleteView):
    permission_required = MANAGE_USERS
    model = Membership
    success_url_name = "associations:membership_list"
    page_title = _("Remove user from the förbund")

    def get_queryset(self):
        return super().get_queryset().select_related("user")

    def form_valid(self, form):
        try:
            services.membership_remove(membership=self.object, acting_user=self.request.user)
        except ValidationError as error:
            show_validation_error(self.request, error)
            return HttpResponseRedirect(self.get_success_url())
        messages.success(self.request, _("The user no longer has access to the förbund."))
        return HttpResponseRedirect(self.get_success_url())


def set_language(request):
    """Django's ``set_language`` (the cookie, then back to ``next``), and for a logged-in
    user the choice kept on their account, so that it follows them to any device."""
    response = i18n_views.set_language(request)
    code = request.POST.get("language") if request.method == "POST" else None
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=code)
    return response


class AccessibilityStatementView(TemplateView):
    """The tillgänglighetsredogörelse (DIGG's template), open to anyone and linked from
    every page's footer: one text per language, as a legal text is written."""

    def get_template_names(self):
        language = translation.get_language()
        code = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        return [f"associations/accessibility/{code}.html"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            operator=settings.SERVICE_OPERATOR,
            email=settings.ACCESSIBILITY_EMAIL,
            supervisor_url=ACCESSIBILITY_SUPERVISOR_URL,
            **kwargs,
        )


# Where Digg, the supervisory authority, takes reports of a lack of accessibility.
ACCESSIBILITY_SUPERVISOR_URL = (
    "https://www.digg.se/analys-och-uppfoljning/lagen-om-tillganglighet-till-digital-offentlig-"
    "service-dos-lagen/anmalan-av-bristande-tillganglighet"
)


# Two-factor login ---------------------------------------------------------------

SETUP_KEY = "two_factor_setup_key"


def next_url(request) -> str:
    """The page a two-factor step returns to (``next``, on this site only), or ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class TwoFactorView(LoginRequiredMixin, TemplateView):
    """*Tvåstegsverifiering*: turn it on (scan the QR code, type a code, keep the recovery
    codes shown once), make new recovery codes, or turn it off with a code."""

    template_name = "associations/two_factor.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        device = two_factor.device_of(user)
        context = {"device": device, "required": two_factor.required_for(user)}
        if device is None:
            key = self.request.session.get(SETUP_KEY) or two_factor.new_secret()
            self.request.session[SETUP_KEY] = key
            uri = two_factor.provisioning_uri(user, key)
            context |= {"secret": two_factor.base32_of(key), "qr": two_factor.qr_svg(uri)}
        kwargs.setdefault("form", TwoFactorCodeForm())
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "recovery_codes":
            if not request.user.is_verified():
                messages.error(request, _("Log in with your code first."))
                return redirect("two_factor")
            codes = two_factor.renew_recovery_codes(user=request.user)
            return self.render_to_response(self.get_context_data(codes=codes))
        form = TwoFactorCodeForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            if action == "disable":
                two_factor.disable(user=request.user, code=form.cleaned_data["code"])
                messages.success(request, _("Two-factor login is off for your account."))
                return redirect("two_factor")
            key = request.session.get(SETUP_KEY)
            if not key:
                return redirect("two_factor")
            codes = two_factor.enable(
                request=request, user=request.user, key_hex=key, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        request.session.pop(SETUP_KEY, None)
        messages.success(request, _("Two-factor login is on for your account."))
        return self.render_to_response(self.get_context_data(codes=codes, next=self.next_url()))

    def next_url(self) -> str:
        return next_url(self.request)


class TwoFactorVerifyView(LoginRequiredMixin, TemplateView):
    """The code after the password, for an account with two-factor login."""

    template_name = "associations/two_factor_verify.html"

    def next_url(self) -> str:
        return next_url(self.request) or reverse("home")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", TwoFactorCodeForm())
        return super().get_context_data(next=self.next_url(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid():
            refusal = two_factor.verify(
                request=request, user=request.user, code=form.cleaned_data["code"]
            )
            if not refusal:
                return HttpResponseRedirect(self.next_url())
            form.add_error("code", refusal)
        return self.render_to_response(self.get_context_data(form=form))


# Single sign-on -----------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """The password login, and a button for each förbund's own identity provider."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(sso_providers=sso.login_choices(), **kwargs)


class IdentityProviderView(AssociationFormView):
    """Kansli: *Förbundet → Inloggning*, the förbund's own OpenID Connect provider."""

    permission_required = MANAGE
    form_class = IdentityProviderForm
    template_name = "associations/identity_provider_form.html"
    page_title = _("Single sign-on")
    success_url_name = "associations:identity_provider"
    success_message = _("The login settings are saved.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        provider = IdentityProvider.objects.filter(association=self.association).first()
        kwargs["instance"] = provider or IdentityProvider(association=self.association)
        return kwargs

    def get_context_data(self, **kwargs):
        callback = reverse("sso_callback", kwargs={"slug": self.association.slug})
        return super().get_context_data(
            redirect_uri=self.request.build_absolute_uri(callback), **kwargs
        )

    def perform(self, form):
        sso.provider_save(
            association=self.association, provider=form.instance, acting_user=self.request.user
        )


class SsoLoginView(View):
    """Start a login through the förbund's identity provider (``next`` is kept)."""

    def get(self, request, slug):
        provider = sso.enabled_provider(slug)
        if provider is None:
            raise Http404
        request.session[SSO_NEXT_KEY] = next_url(request)
        callback = reverse("sso_callback", kwargs={"slug": slug})
        try:
            return sso.start(request, provider, redirect_uri=request.build_absolute_uri(callback))
        except sso.ProviderUnavailable as error:
            return _sso_failed(request, str(error))


class SsoCallbackView(View):
    """Where the identity provider sends the person back."""

    def get(self, request, slug):
        provider = sso.enabled_provider(slug)
        if provider is None:
            raise Http404
        try:
            outcome = sso.finish(request, provider)
        except sso.ProviderUnavailable as error:
            return _sso_failed(request, str(error))
        if outcome.user is None:
            return _sso_failed(request, outcome.refusal)
        target = request.session.pop(SSO_NEXT_KEY, "") or reverse(
            "associations:home", kwargs={"association_slug": slug}
        )
        return HttpResponseRedirect(target)


SSO_NEXT_KEY = "sso_next"


def _sso_failed(request, why: str):
    messages.error(
        request, _("The login through the identity provider failed: %(why)s") % {"why": why}
    )
    return redirect("login")

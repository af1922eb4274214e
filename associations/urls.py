from django.urls import path

from . import views

app_name = "associations"


def crud(prefix, name, list_view, form_view, delete_view):
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/new/", form_view.as_view(), name=f"{name}_create"),
        path(f"{prefix}/<int:pk>/edit/", form_view.as_view(), name=f"{name}_update"),
        path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"),
    ]


def ordered_part_urls(route, name, kind, *, form_view, delete_view, move_view):
    """The create, edit, delete and move URLs of one kind of part (``part_views``)."""
    return [
        path(f"{route}new/", form_view.as_view(kind=kind), name=f"{name}_create"),
        path(f"{route}<int:pk>/edit/", form_view.as_view(kind=kind), name=f"{name}_update"),
        path(f"{route}<int:pk>/delete/", delete_view.as_view(kind=kind), name=f"{name}_delete"),
        path(f"{route}<int:pk>/move/", move_view.as_view(kind=kind), name=f"{name}_move"),
    ]


urlpatterns = [
    path("", views.AssociationHomeView.as_view(), name="home"),
    path("details/", views.AssociationDetailsUpdateView.as_view(), name="details_update"),
    path("logo/", views.LogoView.as_view(), name="logo"),
    path("mails/<int:pk>/retry/", views.MailRetryView.as_view(), name="mail_retry"),
    path("logo/edit/", views.LogoUpdateView.as_view(), name="logo_update"),
    *crud(
        "parties",
        "party",
        views.MemberPartyListView,
        views.MemberPartyFormView,
        views.MemberPartyDeleteView,
    ),
    *crud(
        "board",
        "board",
        views.BoardSeatListView,
        views.BoardSeatFormView,
        views.BoardSeatDeleteView,
    ),
    *crud(
        "contacts",
        "contact",
        views.OfficeContactListView,
        views.OfficeContactFormView,
        views.OfficeContactDeleteView,
    ),
    path("inloggning/", views.IdentityProviderView.as_view(), name="identity_provider"),
    path("users/", views.MembershipListView.as_view(), name="membership_list"),
    path("users/invite/", views.MembershipInviteView.as_view(), name="membership_invite"),
    path("users/<int:pk>/role/", views.MembershipUpdateView.as_view(), name="membership_update"),
    path("users/invitations/", views.InvitationListView.as_view(), name="invitation_list"),
    path(
        "users/invitations/<int:pk>/resend/",
        views.InvitationResendView.as_view(),
        name="invitation_resend",
    ),
    path(
        "users/invitations/<int:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("users/<int:pk>/remove/", views.MembershipDeleteView.as_view(), name="membership_delete"),
]

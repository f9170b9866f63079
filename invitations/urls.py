from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("o/<slug:org_name>/invitations/", views.InvitationListView.as_view(), name="list"),
    path(
        "o/<slug:org_name>/invitations/new/",
        views.InvitationCreateView.as_view(),
        name="create",
    ),
    path(
        "o/<slug:org_name>/invitations/<int:pk>/resend/",
        views.InvitationResendView.as_view(),
        name="resend",
    ),
    path(
        "o/<slug:org_name>/invitations/<int:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="revoke",
    ),
    path("invitations/accept/", views.InvitationAcceptView.as_view(), name="accept"),
    path(
        "invitations/accept/<str:token>/",
        views.InvitationLinkView.as_view(),
        name="link",
    ),
    path(
        "invitations/switch-account/",
        views.InvitationSwitchAccountView.as_view(),
        name="switch_account",
    ),
]

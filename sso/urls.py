from django.urls import path

from . import join_views, views

app_name = "sso"

PREFIX = "o/<slug:org_name>/sso/"

urlpatterns = [
    path("o/<slug:org_name>/login/", views.OrgLoginView.as_view(), name="org_login"),
    path("o/<slug:org_name>/join/", views.JoinView.as_view(), name="join"),
    path(
        "o/<slug:org_name>/request-to-join/",
        join_views.RequestToJoinView.as_view(),
        name="request_to_join",
    ),
    path(
        "o/<slug:org_name>/members/join-requests/",
        join_views.JoinRequestListView.as_view(),
        name="join_requests",
    ),
    path(
        "o/<slug:org_name>/members/join-requests/<int:request_id>/approve/",
        join_views.JoinRequestApproveView.as_view(),
        name="join_request_approve",
    ),
    path(
        "o/<slug:org_name>/members/join-requests/<int:request_id>/decline/",
        join_views.JoinRequestDeclineView.as_view(),
        name="join_request_decline",
    ),
    path("sso/no-seat/", views.NoSeatView.as_view(), name="no_seat"),
    path(PREFIX, views.SsoSettingsView.as_view(), name="settings"),
    path(PREFIX + "domains/add/", views.DomainAddView.as_view(), name="domain_add"),
    path(
        PREFIX + "domains/<int:domain_id>/check/",
        views.DomainCheckView.as_view(),
        name="domain_check",
    ),
    path(
        PREFIX + "domains/<int:domain_id>/remove/",
        views.DomainRemoveView.as_view(),
        name="domain_remove",
    ),
    path(PREFIX + "sso-only/", views.SsoOnlyView.as_view(), name="sso_only"),
    path(
        PREFIX + "connections/new/", views.ConnectionCreateView.as_view(), name="connection_create"
    ),
    path(
        PREFIX + "connections/<int:connection_id>/",
        views.ConnectionEditView.as_view(),
        name="connection_edit",
    ),
    path(
        PREFIX + "connections/<int:connection_id>/test/",
        views.ConnectionTestView.as_view(),
        name="connection_test",
    ),
    path(
        PREFIX + "connections/<int:connection_id>/delete/",
        views.ConnectionDeleteView.as_view(),
        name="connection_delete",
    ),
    path(
        PREFIX + "saml/new/",
        views.SamlConnectionCreateView.as_view(),
        name="saml_connection_create",
    ),
    path(
        PREFIX + "saml/<int:connection_id>/",
        views.SamlConnectionEditView.as_view(),
        name="saml_connection_edit",
    ),
    path(
        PREFIX + "saml/<int:connection_id>/test/",
        views.SamlConnectionTestView.as_view(),
        name="saml_connection_test",
    ),
    path(
        PREFIX + "saml/<int:connection_id>/delete/",
        views.SamlConnectionDeleteView.as_view(),
        name="saml_connection_delete",
    ),
]

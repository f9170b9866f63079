"""The Provisioning tab (`/o/<org>/provisioning/`) and the SCIM API (`/scim/v2/<org>/`)."""

from django.urls import path

from organizations.urls import org_path

from . import api, views

app_name = "scim"

SCIM_PREFIX = "scim/v2/<slug:org_name>/"

urlpatterns = [
    org_path("provisioning/", views.ProvisioningView.as_view(), "provisioning"),
    org_path(
        "provisioning/tokens/<int:token_id>/rotate/",
        views.TokenActionView.as_view(action="rotate"),
        "token_rotate",
    ),
    org_path(
        "provisioning/tokens/<int:token_id>/revoke/",
        views.TokenActionView.as_view(action="revoke"),
        "token_revoke",
    ),
    path(SCIM_PREFIX, api.RootView.as_view(), name="root"),
    path(SCIM_PREFIX + "Users", api.UsersView.as_view(), name="users"),
    path(SCIM_PREFIX + "Users/<str:scim_id>", api.UserView.as_view(), name="user"),
    path(SCIM_PREFIX + "Groups", api.GroupsView.as_view(), name="groups"),
    path(SCIM_PREFIX + "Groups/<str:team_id>", api.GroupView.as_view(), name="group"),
    path(
        SCIM_PREFIX + "ServiceProviderConfig",
        api.ServiceProviderConfigView.as_view(),
        name="service_provider_config",
    ),
    path(SCIM_PREFIX + "ResourceTypes", api.ResourceTypesView.as_view(), name="resource_types"),
    path(
        SCIM_PREFIX + "ResourceTypes/<str:type_id>",
        api.ResourceTypesView.as_view(),
        name="resource_type",
    ),
    path(SCIM_PREFIX + "Schemas", api.SchemasView.as_view(), name="schemas"),
    # A schema's id is a URN (colons, no slash).
    path(SCIM_PREFIX + "Schemas/<str:schema_id>", api.SchemasView.as_view(), name="schema"),
]

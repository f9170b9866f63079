from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace, csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from . import portal
from .views import children, invitations, members, organizations
from .views.base import NotFoundView
from .views.token import token

app_name = "api"

ORG = "api/v2/organizations/<str:org_id>"


def redoc_page(view):
    """The reference page's own policy: Redoc writes its styles inline and parses the
    schema in a worker it starts from a blob: URL. Its script still comes from the site."""
    view = csp_update({"worker-src": ["blob:"]})(view)
    return csp_replace({"style-src": [SELF, UNSAFE_INLINE]})(view)


urlpatterns = [
    # The org's "API clients" page in the portal
    path("o/<slug:org_name>/api-clients/", portal.ApiClientListView.as_view(), name="clients"),
    path(
        "o/<slug:org_name>/api-clients/<str:client_id>/rotate/",
        portal.ApiClientRotateView.as_view(),
        name="client_rotate",
    ),
    path(
        "o/<slug:org_name>/api-clients/<str:client_id>/revoke/",
        portal.ApiClientRevokeView.as_view(),
        name="client_revoke",
    ),
    # The Management API
    path("oauth/token", token, name="token"),
    path("api/v2/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/v2/docs/",
        redoc_page(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="docs",
    ),
    path(
        "api/v2/organizations",
        organizations.OrganizationListView.as_view(),
        name="organizations",
    ),
    path(
        "api/v2/organizations/name/<str:name>",
        organizations.OrganizationByNameView.as_view(),
        name="organization-by-name",
    ),
    path(f"{ORG}", organizations.OrganizationDetailView.as_view(), name="organization"),
    path(
        f"{ORG}/enabled_connections",
        organizations.EnabledConnectionsView.as_view(),
        name="enabled-connections",
    ),
    path(f"{ORG}/members", members.MemberListView.as_view(), name="members"),
    path(
        f"{ORG}/members/<str:user_id>/roles",
        members.MemberRolesView.as_view(),
        name="member-roles",
    ),
    path(f"{ORG}/invitations", invitations.InvitationListView.as_view(), name="invitations"),
    path(
        f"{ORG}/invitations/<str:invitation_id>",
        invitations.InvitationDetailView.as_view(),
        name="invitation",
    ),
    path(f"{ORG}/children", children.ChildListView.as_view(), name="children"),
    path(f"{ORG}/seats", children.SeatsView.as_view(), name="seats"),
    re_path(r"^api/v2/", NotFoundView.as_view(), name="not-found"),
]

"""The SCIM 2.0 API of one organization: `/scim/v2/<org>/Users`, `/Groups` and discovery.

Only a bearer token is accepted (no session, so no CSRF): the org's live SCIM token.
Any other token, a revoked or rotated one, another org's, or none gets 401 with a SCIM
error body, whether the org exists or not. Views parse and render; the changes are
`scim.services`, which act through the organizations services with the token as the
actor.
"""

from .discovery import ResourceTypesView, RootView, SchemasView, ServiceProviderConfigView
from .groups import GroupsView, GroupView
from .users import UsersView, UserView

__all__ = [
    "GroupView",
    "GroupsView",
    "ResourceTypesView",
    "RootView",
    "SchemasView",
    "ServiceProviderConfigView",
    "UserView",
    "UsersView",
]

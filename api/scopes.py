"""The Management API's scopes, as Auth0 names them, and what each lets a client do.

A token carries scopes; each endpoint asks for one (`HasScope`). The services check
again, through the actions a scope grants (`organizations.permissions` actions), so a
client never does more than its scopes say, whichever way it reaches a service.
"""

from organizations.permissions import Action, ServiceAction

READ_ORGANIZATIONS = "read:organizations"
CREATE_ORGANIZATIONS = "create:organizations"
UPDATE_ORGANIZATIONS = "update:organizations"
DELETE_ORGANIZATIONS = "delete:organizations"
READ_MEMBERS = "read:organization_members"
CREATE_MEMBERS = "create:organization_members"
DELETE_MEMBERS = "delete:organization_members"
READ_MEMBER_ROLES = "read:organization_member_roles"
CREATE_MEMBER_ROLES = "create:organization_member_roles"
DELETE_MEMBER_ROLES = "delete:organization_member_roles"
READ_INVITATIONS = "read:organization_invitations"
CREATE_INVITATIONS = "create:organization_invitations"
DELETE_INVITATIONS = "delete:organization_invitations"

SCOPES: dict[str, str] = {
    READ_ORGANIZATIONS: "Read organizations, their child organizations and seats",
    CREATE_ORGANIZATIONS: "Create organizations (platform clients) and child organizations",
    UPDATE_ORGANIZATIONS: "Update organizations and their children's seats",
    DELETE_ORGANIZATIONS: "Delete organizations (owner rights needed)",
    READ_MEMBERS: "Read members",
    CREATE_MEMBERS: "Add members",
    DELETE_MEMBERS: "Remove members",
    READ_MEMBER_ROLES: "Read members' roles",
    CREATE_MEMBER_ROLES: "Assign roles to members",
    DELETE_MEMBER_ROLES: "Remove roles from members",
    READ_INVITATIONS: "Read invitations",
    CREATE_INVITATIONS: "Invite people",
    DELETE_INVITATIONS: "Delete (revoke) invitations",
}
ALL_SCOPES: tuple[str, ...] = tuple(SCOPES)

SCOPE_ACTIONS: dict[str, frozenset[str]] = {
    READ_ORGANIZATIONS: frozenset({Action.VIEW}),
    CREATE_ORGANIZATIONS: frozenset({ServiceAction.CREATE_FOR_OTHERS, Action.MANAGE_CHILDREN}),
    UPDATE_ORGANIZATIONS: frozenset(
        {Action.EDIT, ServiceAction.CHANGE_ALLOTMENT, ServiceAction.CHANGE_CUSTOMER_POOL}
    ),
    DELETE_ORGANIZATIONS: frozenset({Action.DELETE}),
    READ_MEMBERS: frozenset({Action.VIEW}),
    CREATE_MEMBERS: frozenset({Action.MANAGE_MEMBERS}),
    DELETE_MEMBERS: frozenset({Action.MANAGE_MEMBERS}),
    READ_MEMBER_ROLES: frozenset({Action.VIEW}),
    CREATE_MEMBER_ROLES: frozenset({Action.MANAGE_MEMBERS}),
    DELETE_MEMBER_ROLES: frozenset({Action.MANAGE_MEMBERS}),
    READ_INVITATIONS: frozenset({Action.VIEW}),
    CREATE_INVITATIONS: frozenset({Action.INVITE}),
    DELETE_INVITATIONS: frozenset({Action.INVITE}),
}


def actions_for(scopes) -> frozenset[str]:
    """The `permissions` actions a set of scopes grants."""
    actions: set[str] = set()
    for scope in scopes:
        actions |= SCOPE_ACTIONS.get(scope, frozenset())
    return frozenset(actions)


def clean_scopes(scopes) -> list[str]:
    """Known scopes of `scopes`, in the canonical order, without duplicates."""
    wanted = set(scopes)
    return [scope for scope in ALL_SCOPES if scope in wanted]

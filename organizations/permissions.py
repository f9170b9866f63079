"""Who may do what: the one place the portal's permission rules live.

Views (through `OrgAccessMixin`), templates (through `permissions` in the context),
admin actions and services ask these functions; nothing else decides.

The matrix has four columns: the three roles plus the **initial owner** (the org's
creator), who holds every owner right and cannot be demoted, removed or leave.
The "Roles" help page is rendered from `RULES` and `role_management_table()`.
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from .actors import is_machine
from .models import Membership

Role = Membership.Role

INITIAL_OWNER = "initial_owner"

MATRIX_ROLES: tuple[str, ...] = (INITIAL_OWNER, Role.OWNER, Role.ADMIN, Role.MEMBER)

MATRIX_ROLE_LABELS: dict[str, str] = {
    INITIAL_OWNER: "Initial owner",
    Role.OWNER: "Owner",
    Role.ADMIN: "Admin",
    Role.MEMBER: "Member",
}


class Action:
    """The actions a member may take inside an organization."""

    VIEW = "org.view"
    EDIT = "org.edit"
    VIEW_AUDIT = "audit.view"
    EXPORT_AUDIT = "audit.export"
    MANAGE_MEMBERS = "members.manage"
    MANAGE_OWNERS = "owners.manage"
    MANAGE_TEAMS = "teams.manage"
    MANAGE_STRUCTURE = "structure.manage"
    LEAVE = "org.leave"
    DELETE = "org.delete"
    MANAGE_CHILDREN = "children.manage"
    VIEW_DEVICES = "devices.view"
    MANAGE_DEVICES = "devices.manage"
    INVITE = "members.invite"
    MANAGE_SECURITY = "security.manage"
    MANAGE_BILLING = "billing.manage"
    MANAGE_API_CLIENTS = "api_clients.manage"
    # SCIM provisioning (the `scim` app): owners create, rotate and revoke its token.
    MANAGE_PROVISIONING = "provisioning.manage"


class ServiceAction:
    """Actions the services check beyond the Roles page's matrix.

    Members take the first three by the roles `SERVICE_ROLES` names; platform staff
    take the others (and some members' actions) by the permission `STAFF_PERMISSIONS`
    names.
    """

    RESUBMIT = "org.resubmit"
    CHANGE_ALLOTMENT = "children.allotment"
    CHANGE_CUSTOMER_POOL = "children.customer_pool"
    APPROVE = "staff.approve"
    CREATE_FOR_OTHERS = "staff.create_for_others"
    SET_SEAT_LIMITS = "staff.seat_limits"
    SET_RESELLER = "staff.reseller"
    SUSPEND = "staff.suspend"


@dataclass(frozen=True)
class Rule:
    """One row of the permission matrix: an action and the matrix roles allowed to take it."""

    action: str
    label: str
    roles: frozenset[str]

    def allows(self, matrix_role: str) -> bool:
        return matrix_role in self.roles


_EVERYONE = frozenset(MATRIX_ROLES)
_OWNERS = frozenset({INITIAL_OWNER, Role.OWNER})
_MANAGERS = frozenset({INITIAL_OWNER, Role.OWNER, Role.ADMIN})

RULES: tuple[Rule, ...] = (
    Rule(Action.VIEW, "See the organization, its members, teams, units and workspaces", _EVERYONE),
    Rule(Action.EDIT, "Edit the organization's profile, branding and metadata", _MANAGERS),
    Rule(Action.VIEW_AUDIT, "Read and filter the audit log", _MANAGERS),
    Rule(Action.EXPORT_AUDIT, "Download the audit log as CSV", _OWNERS),
    Rule(
        Action.MANAGE_MEMBERS,
        "Change the role and name of admins and members, and remove them",
        _MANAGERS,
    ),
    Rule(
        Action.MANAGE_OWNERS,
        "Make or unmake owners, and remove other owners (the password is asked again)",
        _OWNERS,
    ),
    Rule(
        Action.MANAGE_TEAMS,
        "Create, rename and delete teams; add and remove team members",
        _MANAGERS,
    ),
    Rule(
        Action.MANAGE_STRUCTURE,
        "Create, rename, move and delete organizational units and workspaces; "
        "assign members to workspaces",
        _MANAGERS,
    ),
    Rule(
        Action.INVITE,
        "Invite people by email, resend and revoke invitations (only owners invite owners)",
        _MANAGERS,
    ),
    Rule(Action.LEAVE, "Leave the organization", frozenset({Role.OWNER, Role.ADMIN, Role.MEMBER})),
    Rule(Action.DELETE, "Delete the organization (the password is asked again)", _OWNERS),
    Rule(
        Action.MANAGE_CHILDREN,
        "Create groups (and, for resellers, customers), change their seats, and open and "
        "manage them with the same role",
        _MANAGERS,
    ),
    Rule(
        Action.MANAGE_BILLING,
        "Choose the plan, buy seats, edit the billing details and the card, read the "
        "invoices (the password is asked again)",
        _OWNERS,
    ),
    Rule(Action.VIEW_DEVICES, "See the registered devices", _EVERYONE),
    Rule(
        Action.MANAGE_API_CLIENTS,
        "Create API clients for the Management API, rotate their secrets and revoke them",
        _MANAGERS,
    ),
    Rule(Action.MANAGE_DEVICES, "Register and remove devices", _MANAGERS),
    Rule(
        Action.MANAGE_SECURITY,
        "Set the security policy (required MFA, allowed email domains, session lifetime) "
        "and remind members without MFA",
        _OWNERS,
    ),
    # SCIM provisioning (the `scim` app).
    Rule(
        Action.MANAGE_PROVISIONING,
        "Create, rotate and revoke the SCIM provisioning token",
        _OWNERS,
    ),
)

RULES_BY_ACTION: dict[str, Rule] = {rule.action: rule for rule in RULES}

# Members' rights the services check that the Roles page does not list on their own:
# re-submitting a rejected request, a group's allotment (decided in its parent) and a
# customer's own pool (decided by the reseller's owners).
SERVICE_ROLES: dict[str, frozenset[str]] = {
    ServiceAction.RESUBMIT: _MANAGERS,
    ServiceAction.CHANGE_ALLOTMENT: _MANAGERS,
    ServiceAction.CHANGE_CUSTOMER_POOL: _OWNERS,
}

APPROVE_PERMISSION = "organizations.approve_organization"
CREATE_FOR_OTHERS_PERMISSION = "organizations.add_organization"
EDIT_PERMISSION = "organizations.change_organization"
SEAT_LIMITS_PERMISSION = "organizations.change_seat_limits"
RESELLER_PERMISSION = "organizations.change_reseller"
SUSPEND_PERMISSION = "organizations.suspend_organization"
SECURITY_POLICY_PERMISSION = "organizations.change_securitypolicy"

# Platform staff take these actions by a Django permission (superusers hold them all),
# never by `is_staff` alone. Staff edit an org's profile in the admin by `EDIT`.
STAFF_PERMISSIONS: dict[str, str] = {
    Action.EDIT: EDIT_PERMISSION,
    ServiceAction.CHANGE_ALLOTMENT: SEAT_LIMITS_PERMISSION,
    ServiceAction.CHANGE_CUSTOMER_POOL: SEAT_LIMITS_PERMISSION,
    ServiceAction.SET_SEAT_LIMITS: SEAT_LIMITS_PERMISSION,
    ServiceAction.SET_RESELLER: RESELLER_PERMISSION,
    ServiceAction.APPROVE: APPROVE_PERMISSION,
    ServiceAction.CREATE_FOR_OTHERS: CREATE_FOR_OTHERS_PERMISSION,
    ServiceAction.SUSPEND: SUSPEND_PERMISSION,
    # Staff change a policy in the admin, e.g. when its owners lost their authenticator.
    Action.MANAGE_SECURITY: SECURITY_POLICY_PERMISSION,
}

_DEFAULT_REFUSAL = ("Your role in this organization does not allow this.", "not_allowed")

# What a refused actor is told, per action: (message, code).
REFUSALS: dict[str, tuple[str, str]] = {
    Action.DELETE: ("Only an owner may delete this organization.", "not_owner"),
    Action.MANAGE_SECURITY: ("Only an owner may change the security policy.", "not_owner"),
    Action.MANAGE_BILLING: ("Only an owner manages billing.", "not_owner"),
    Action.LEAVE: (
        "The initial owner cannot leave the organization. Delete it instead.",
        "initial_owner",
    ),
    ServiceAction.CHANGE_CUSTOMER_POOL: (
        "Only the reseller's owners or platform staff change a customer's seats.",
        "not_allowed",
    ),
    ServiceAction.APPROVE: ("Only platform admins approve organizations.", "not_approver"),
    ServiceAction.CREATE_FOR_OTHERS: (
        "Only platform staff create organizations for others.",
        "not_staff",
    ),
    ServiceAction.SET_SEAT_LIMITS: ("Only platform staff set seat limits.", "not_staff"),
    ServiceAction.SET_RESELLER: ("Only platform staff mark resellers.", "not_staff"),
    ServiceAction.SUSPEND: (
        "Only platform admins with the suspend permission suspend organizations.",
        "not_suspender",
    ),
}

# Nobody, not even another owner, may change, rename or remove the initial owner.
PROTECTED_TARGETS = frozenset({INITIAL_OWNER})


def matrix_role(membership: Membership) -> str:
    """The matrix column of `membership`: its role, or `initial_owner` for the org's creator."""
    if membership.is_initial_owner:
        return INITIAL_OWNER
    return membership.role


# Owners and admins of a parent org open and manage its children with the same role;
# a child's members get nothing in the parent.
INHERITED_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def role_allows(role: str, action: str) -> bool:
    """Whether a member in matrix column `role` may take `action`."""
    rule = RULES_BY_ACTION.get(action)
    if rule is not None:
        return rule.allows(role)
    return role in SERVICE_ROLES.get(action, ())


# What the members of a suspended org may still do: read it, and leave it.
READ_ONLY_ACTIONS = frozenset(
    {Action.VIEW, Action.VIEW_AUDIT, Action.EXPORT_AUDIT, Action.VIEW_DEVICES, Action.LEAVE}
)


def suspension_blocks(org, action: str) -> bool:
    """Whether `org` being suspended forbids `action`, whatever the member's role."""
    return org.is_suspended and action not in READ_ONLY_ACTIONS


def membership_allows(membership: Membership | None, action: str) -> bool:
    """Whether the holder of `membership` may take `action` in its org.

    A machine's access (see `selectors.machine_access`) carries the actions it was
    granted: its role allows no more than those.
    """
    if membership is None or suspension_blocks(membership.organization, action):
        return False
    granted = getattr(membership, "granted_actions", None)
    if granted is not None and action not in granted:
        return False
    return role_allows(matrix_role(membership), action)


def suspended_reason(org) -> str:
    """What a member who tries to change a suspended org is told."""
    return (
        f"{org.display_name} is suspended by the platform admins and is read-only "
        "until they lift the suspension."
    )


def staff_may(user, action: str) -> bool:
    """Whether `user` is active platform staff holding the permission `action` needs."""
    permission = STAFF_PERMISSIONS.get(action)
    return bool(
        permission
        and user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(permission)
    )


def platform_machine_may(actor, action: str) -> bool:
    """Whether `actor` is a platform-wide machine granted the platform action `action`.

    Such a client stands where staff stand, for the actions its grant names only.
    """
    return bool(
        is_machine(actor)
        and actor.is_platform
        and action in STAFF_PERMISSIONS
        and actor.may(action)
    )


def actor_may(actor, membership: Membership | None, action: str) -> bool:
    """The services' one check: `actor` may take `action` by their role or as staff.

    `membership` is the actor's (possibly inherited) membership in the org whose
    members decide, or None. A machine actor's membership is the access its reach
    gives it (`selectors.machine_access`).
    """
    if is_machine(actor):
        if membership is not None and getattr(membership, "machine", None) is not actor:
            return False
        return membership_allows(membership, action) or platform_machine_may(actor, action)
    if membership is not None and actor is not None and membership.user_id != actor.pk:
        return False
    return membership_allows(membership, action) or staff_may(actor, action)


def refusal(action: str, membership: Membership | None = None) -> tuple[str, str]:
    """(message, code) for an actor refused `action`; outsiders are told they are none."""
    if membership is None and action not in STAFF_PERMISSIONS:
        return ("You are not a member of this organization.", "not_member")
    return REFUSALS.get(action, _DEFAULT_REFUSAL)


def manageable_roles(actor_role: str) -> frozenset[str]:
    """The roles whose holders a member in column `actor_role` may change or remove."""
    roles = set()
    if role_allows(actor_role, Action.MANAGE_MEMBERS):
        roles |= {Role.ADMIN, Role.MEMBER}
    if role_allows(actor_role, Action.MANAGE_OWNERS):
        roles.add(Role.OWNER)
    return frozenset(roles)


def assignable_roles(actor: Membership) -> list[str]:
    """The roles `actor` may give to someone, most powerful first."""
    allowed = manageable_roles(matrix_role(actor))
    return [role for role in Role.values if role in allowed]


def grantable_roles(membership: Membership | None) -> tuple[str, ...]:
    """The roles the holder of `membership` may invite people as; only owners grant owner."""
    if membership is None or not membership_allows(membership, Action.INVITE):
        return ()
    return tuple(assignable_roles(membership))


def can_invite_role(membership: Membership | None, role: str) -> bool:
    """Whether the holder of `membership` may invite someone as `role` (or resend, revoke)."""
    return role in grantable_roles(membership)


def can_manage_member(actor: Membership | None, target: Membership) -> bool:
    """Whether `actor` may change the role or name of `target`, or remove them."""
    if actor is None or actor.organization_id != target.organization_id:
        return False
    if actor.pk == target.pk:
        return False
    target_column = matrix_role(target)
    if target_column in PROTECTED_TARGETS:
        return False
    return target_column in manageable_roles(matrix_role(actor))


def can_change_role(actor: Membership | None, target: Membership, new_role: str) -> bool:
    """Whether `actor` may give `target` the role `new_role`."""
    return can_manage_member(actor, target) and new_role in assignable_roles(actor)


def can_remove_member(actor: Membership | None, target: Membership) -> bool:
    """Whether `actor` may remove `target` from the org."""
    return can_manage_member(actor, target)


def can_leave(membership: Membership) -> bool:
    """Whether the holder of `membership` may leave; the initial owner never may."""
    return membership_allows(membership, Action.LEAVE)


def role_management_table() -> list[tuple[str, list[bool]]]:
    """(acting column label, [may manage a holder of each matrix column]) for the Roles page."""
    table = []
    for actor_role in MATRIX_ROLES:
        manageable = manageable_roles(actor_role)
        table.append(
            (
                MATRIX_ROLE_LABELS[actor_role],
                [
                    target not in PROTECTED_TARGETS and target in manageable
                    for target in MATRIX_ROLES
                ],
            )
        )
    return table


@dataclass(frozen=True)
class OrgPermissions:
    """What the current member may do, for templates: `{% if permissions.edit %}`."""

    membership: Membership

    def allows(self, action: str) -> bool:
        return membership_allows(self.membership, action)

    @property
    def edit(self) -> bool:
        return self.allows(Action.EDIT)

    @property
    def view_audit(self) -> bool:
        return self.allows(Action.VIEW_AUDIT)

    @property
    def export_audit(self) -> bool:
        return self.allows(Action.EXPORT_AUDIT)

    @property
    def manage_members(self) -> bool:
        return self.allows(Action.MANAGE_MEMBERS)

    @property
    def manage_owners(self) -> bool:
        return self.allows(Action.MANAGE_OWNERS)

    @property
    def manage_teams(self) -> bool:
        return self.allows(Action.MANAGE_TEAMS)

    @property
    def manage_structure(self) -> bool:
        return self.allows(Action.MANAGE_STRUCTURE)

    @property
    def invite(self) -> bool:
        return self.allows(Action.INVITE)

    @property
    def leave(self) -> bool:
        # Access inherited from a parent org is no membership one could leave.
        return self.allows(Action.LEAVE) and not self.inherited

    @property
    def inherited(self) -> bool:
        return self.membership.pk is None

    @property
    def delete(self) -> bool:
        return self.allows(Action.DELETE)

    @property
    def is_initial_owner(self) -> bool:
        return matrix_role(self.membership) == INITIAL_OWNER

    @property
    def manage_children(self) -> bool:
        return self.allows(Action.MANAGE_CHILDREN)

    @property
    def manage_billing(self) -> bool:
        # Groups draw from their parent's pool and have no billing of their own.
        return not self.membership.organization.is_group and self.allows(Action.MANAGE_BILLING)

    @property
    def view_devices(self) -> bool:
        return self.allows(Action.VIEW_DEVICES)

    @property
    def manage_devices(self) -> bool:
        return self.allows(Action.MANAGE_DEVICES)

    @property
    def manage_security(self) -> bool:
        return self.allows(Action.MANAGE_SECURITY)

    @property
    def manage_api_clients(self) -> bool:
        return self.allows(Action.MANAGE_API_CLIENTS)

    # SCIM provisioning (the `scim` app).
    @property
    def manage_provisioning(self) -> bool:
        return self.allows(Action.MANAGE_PROVISIONING)


def has_verified_email(user) -> bool:
    """Whether the user's primary address (their login) has been verified."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def can_approve_organizations(user) -> bool:
    """Platform admins: active staff with the approve permission (superusers have it)."""
    return staff_may(user, ServiceAction.APPROVE)


def can_suspend_organizations(user) -> bool:
    """Platform admins with the suspend permission (superusers have it)."""
    return staff_may(user, ServiceAction.SUSPEND)


def can_create_for_others(user) -> bool:
    """Staff create organizations for someone else (owner by email), active at once."""
    return staff_may(user, ServiceAction.CREATE_FOR_OTHERS)


def create_blocked_reason(user, governance=None) -> tuple[str, str] | None:
    """(code, message) saying why `user` may not create an org themselves, or None.

    The governance settings decide: self-registration may be off, and who may create
    is any verified user, business accounts only, or staff only. Staff may always.
    """
    from .models import GovernanceSettings

    if not (user.is_authenticated and user.is_active):
        return ("not_signed_in", "Sign in to create an organization.")
    if not has_verified_email(user):
        return (
            "email_unverified",
            "Verify your email address before you create an organization.",
        )
    if user.is_staff:
        return None
    governance = governance or GovernanceSettings.get_solo()
    who = GovernanceSettings.WhoMayCreate
    if not governance.allow_self_registration or governance.who_may_create == who.STAFF:
        return (
            "self_registration_off",
            "Organizations are created by the platform admins. Ask them to create one for you.",
        )
    if governance.who_may_create == who.BUSINESS and not getattr(user, "is_business", False):
        return (
            "business_only",
            "Only business accounts may create organizations. Switch your account to a "
            "business account in your profile, or ask the platform admins.",
        )
    return None


def can_create_organization(user) -> bool:
    """Whether `user` may create an org themselves: verified email, and governance allows."""
    return create_blocked_reason(user) is None


def owns_verified_email(user, email: str) -> bool:
    """Whether `email` is one of the user's verified addresses."""
    return bool(
        user.is_authenticated
        and user.is_active
        and EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    )


def can_accept_invitation(user, invited_email: str) -> bool:
    """Only a signed-in user whose verified address is the invited one may accept."""
    return owns_verified_email(user, invited_email)


def org_invite_blocked_reason(org) -> str | None:
    """Why `org` cannot invite anyone right now, or None when it can."""
    if org.is_active:
        return None
    if org.status == org.Status.PENDING:
        return (
            f"{org.display_name} is waiting for approval by the platform admins. "
            "You can invite people once it is approved."
        )
    return f"{org.display_name} is {org.get_status_display().lower()}: it cannot invite anyone."


def org_inactive_reason(org, doing: str) -> str | None:
    """Why `org` cannot do `doing` (e.g. "have child organizations") now, or None."""
    if org.is_active:
        return None
    if org.status == org.Status.PENDING:
        return (
            f"{org.display_name} is waiting for approval by the platform admins: "
            f"it can {doing} once it is approved."
        )
    return f"{org.display_name} is {org.get_status_display().lower()}: it cannot {doing}."


def can_change_customer_pool(user, customer, *, membership: Membership | None) -> bool:
    """A customer's own pool is set by platform staff or by an owner of its reseller."""
    if membership is not None and membership.organization_id != customer.parent_id:
        membership = None
    return actor_may(user, membership, ServiceAction.CHANGE_CUSTOMER_POOL)

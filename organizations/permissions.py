"""Who may do what: the one place the portal's permission rules live.

Views (through `OrgAccessMixin`), templates (through `permissions` in the context),
admin actions and services ask these functions; nothing else decides.

The matrix has four columns: the three roles plus the **initial owner** (the org's
creator), who holds every owner right and cannot be demoted, removed or leave.
The "Roles" help page is rendered from `RULES` and `role_management_table()`.
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress

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
    Rule(Action.VIEW_DEVICES, "See the registered devices", _EVERYONE),
    Rule(Action.MANAGE_DEVICES, "Register and remove devices", _MANAGERS),
)

RULES_BY_ACTION: dict[str, Rule] = {rule.action: rule for rule in RULES}

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
    return rule is not None and rule.allows(role)


# What the members of a suspended org may still do: read it, and leave it.
READ_ONLY_ACTIONS = frozenset(
    {Action.VIEW, Action.VIEW_AUDIT, Action.EXPORT_AUDIT, Action.VIEW_DEVICES, Action.LEAVE}
)


def suspension_blocks(org, action: str) -> bool:
    """Whether `org` being suspended forbids `action`, whatever the member's role."""
    return org.is_suspended and action not in READ_ONLY_ACTIONS


def membership_allows(membership: Membership | None, action: str) -> bool:
    """Whether the holder of `membership` may take `action` in its org."""
    if membership is None or suspension_blocks(membership.organization, action):
        return False
    return role_allows(matrix_role(membership), action)


def suspended_reason(org) -> str:
    """What a member who tries to change a suspended org is told."""
    return (
        f"{org.display_name} is suspended by the platform admins and is read-only "
        "until they lift the suspension."
    )


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
    def view_devices(self) -> bool:
        return self.allows(Action.VIEW_DEVICES)

    @property
    def manage_devices(self) -> bool:
        return self.allows(Action.MANAGE_DEVICES)


def has_verified_email(user) -> bool:
    """Whether the user's primary address (their login) has been verified."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


APPROVE_PERMISSION = "organizations.approve_organization"


def can_approve_organizations(user) -> bool:
    """Platform admins: active staff with the approve permission (superusers have it)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(APPROVE_PERMISSION)
    )


SUSPEND_PERMISSION = "organizations.suspend_organization"


def can_suspend_organizations(user) -> bool:
    """Platform admins with the suspend permission (superusers have it)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(SUSPEND_PERMISSION)
    )


def can_create_for_others(user) -> bool:
    """Staff create organizations for someone else (owner by email), active at once."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("organizations.add_organization")
    )


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
    if user.is_staff:
        return True
    return (
        membership is not None
        and membership.role == Role.OWNER
        and membership.organization_id == customer.parent_id
    )

"""Who may do what: the one place the portal's permission rules live.

Views (through `OrgAccessMixin`), templates (through `permissions` in the context),
admin actions and services ask these functions; nothing else decides.
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from .models import Membership

Role = Membership.Role


class Action:
    """The actions a member may take inside an organization."""

    VIEW = "org.view"
    EDIT = "org.edit"
    VIEW_AUDIT = "audit.view"
    MANAGE_CHILDREN = "children.manage"
    VIEW_DEVICES = "devices.view"
    MANAGE_DEVICES = "devices.manage"


_MANAGERS = frozenset(
    {
        Action.VIEW,
        Action.EDIT,
        Action.VIEW_AUDIT,
        Action.MANAGE_CHILDREN,
        Action.VIEW_DEVICES,
        Action.MANAGE_DEVICES,
    }
)

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.OWNER: _MANAGERS,
    Role.ADMIN: _MANAGERS,
    Role.MEMBER: frozenset({Action.VIEW, Action.VIEW_DEVICES}),
}

# Owners and admins of a parent org open and manage its children with the same role;
# a child's members get nothing in the parent.
INHERITED_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def role_allows(role: str, action: str) -> bool:
    """Whether a member with `role` may take `action`."""
    return action in ROLE_ACTIONS.get(role, frozenset())


def membership_allows(membership: Membership | None, action: str) -> bool:
    """Whether the holder of `membership` may take `action` in its org."""
    return membership is not None and role_allows(membership.role, action)


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


def can_create_organization(user) -> bool:
    """Creating an org needs a signed-in user whose email address is verified."""
    return bool(user.is_authenticated and user.is_active and has_verified_email(user))


def can_change_customer_pool(user, customer, *, membership: Membership | None) -> bool:
    """A customer's own pool is set by platform staff or by an owner of its reseller."""
    if user.is_staff:
        return True
    return (
        membership is not None
        and membership.role == Role.OWNER
        and membership.organization_id == customer.parent_id
    )

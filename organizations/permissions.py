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
    INVITE = "member.invite"


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({Action.VIEW, Action.EDIT, Action.VIEW_AUDIT, Action.INVITE}),
    Role.ADMIN: frozenset({Action.VIEW, Action.EDIT, Action.VIEW_AUDIT, Action.INVITE}),
    Role.MEMBER: frozenset({Action.VIEW}),
}

# Roles a member may hand out by invitation: only owners invite (or promote) owners.
GRANTABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.OWNER: (Role.OWNER, Role.ADMIN, Role.MEMBER),
    Role.ADMIN: (Role.ADMIN, Role.MEMBER),
    Role.MEMBER: (),
}


def grantable_roles(membership: Membership | None) -> tuple[str, ...]:
    """The roles the holder of `membership` may invite people to; owners alone grant owner."""
    if membership is None or not membership_allows(membership, Action.INVITE):
        return ()
    return GRANTABLE_ROLES.get(membership.role, ())


def can_invite_role(membership: Membership | None, role: str) -> bool:
    """Whether the holder of `membership` may invite someone as `role` (or resend, revoke)."""
    return role in grantable_roles(membership)


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
    def invite(self) -> bool:
        return self.allows(Action.INVITE)


def has_verified_email(user) -> bool:
    """Whether the user's primary address (their login) has been verified."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def can_create_organization(user) -> bool:
    """Creating an org needs a signed-in user whose email address is verified."""
    return bool(user.is_authenticated and user.is_active and has_verified_email(user))


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

"""Members of an organization: roles, names, removal and leaving.

Each function locks the org's row first, so two owners acting on one org at once
are serialised (for instance, two owners demoting each other cannot leave it
ownerless), then re-reads the memberships, checks the rules of
`organizations.permissions`, writes, and records an audit event.
"""

from django.db import transaction

from .. import hooks, permissions
from ..audit import record_event
from ..errors import NotAllowed, OrganizationError
from ..models import Membership, Organization
from ._common import lock_and_authorize

Role = Membership.Role

NAME_MAX_LENGTH = 150


def _fresh_membership(org: Organization, *, user=None, pk: int | None = None) -> Membership | None:
    """Re-read a membership of the locked `org`: its role may have changed meanwhile."""
    query = Membership.objects.filter(organization=org).select_related("organization", "user")
    query = query.filter(user=user) if user is not None else query.filter(pk=pk)
    return query.first()


def _load(
    org: Organization, actor, membership: Membership
) -> tuple[Organization, Membership, Membership]:
    """Lock `org`, check that `actor` manages members, and re-read the target."""
    org, actor_membership = lock_and_authorize(org, actor, permissions.Action.MANAGE_MEMBERS)
    target = _fresh_membership(org, pk=membership.pk)
    if target is None:
        raise OrganizationError("This person is no longer a member.", code="not_member")
    return org, actor_membership, target


def _ensure_an_owner_stays(org: Organization, leaving: Membership) -> None:
    if leaving.role != Role.OWNER:
        return
    others = Membership.objects.filter(organization=org, role=Role.OWNER).exclude(pk=leaving.pk)
    if not others.exists():
        raise OrganizationError(
            "An organization always keeps an owner: make someone else an owner first.",
            code="last_owner",
        )


@transaction.atomic
def change_role(
    *, org: Organization, actor, membership: Membership, role: str, ip_address: str | None = None
) -> Membership:
    """Give `membership` the role `role`; only owners make or unmake owners."""
    if role not in Role.values:
        raise OrganizationError("Choose owner, admin or member.", code="invalid_role")
    org, actor_membership, target = _load(org, actor, membership)
    if target.role == role:
        return target
    if actor_membership.pk == target.pk:
        raise NotAllowed("You cannot change your own role.", code="own_role")
    if target.is_initial_owner:
        raise NotAllowed("The initial owner's role cannot be changed.", code="initial_owner")
    if not permissions.can_change_role(actor_membership, target, role):
        raise NotAllowed("Only owners make or unmake owners.", code="not_allowed")
    _ensure_an_owner_stays(org, target)
    previous = target.role
    target.role = role
    target.save(update_fields=["role"])
    record_event(
        org=org,
        actor=actor,
        action="member.role_change",
        target=target.user.email,
        detail={"from": previous, "to": role},
        ip_address=ip_address,
    )
    return target


@transaction.atomic
def update_member_name(
    *,
    org: Organization,
    actor,
    membership: Membership,
    first_name: str,
    last_name: str,
    ip_address: str | None = None,
) -> Membership:
    """Change a member's first and last name, as Tyk's super admins may."""
    org, actor_membership, target = _load(org, actor, membership)
    if not permissions.can_manage_member(actor_membership, target):
        raise NotAllowed("You may not edit this member.", code="not_allowed")
    user = target.user
    first_name = first_name.strip()[:NAME_MAX_LENGTH]
    last_name = last_name.strip()[:NAME_MAX_LENGTH]
    changed = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if getattr(user, field) != value:
            changed[field] = {"from": getattr(user, field), "to": value}
            setattr(user, field, value)
    if changed:
        user.save(update_fields=list(changed))
        record_event(
            org=org,
            actor=actor,
            action="member.edit",
            target=user.email,
            detail={"changed": changed},
            ip_address=ip_address,
        )
    return target


@transaction.atomic
def update_member(
    *,
    org: Organization,
    actor,
    membership: Membership,
    role: str,
    first_name: str,
    last_name: str,
    ip_address: str | None = None,
) -> Membership:
    """Change a member's name and role together: both happen, or neither."""
    update_member_name(
        org=org,
        actor=actor,
        membership=membership,
        first_name=first_name,
        last_name=last_name,
        ip_address=ip_address,
    )
    return change_role(
        org=org, actor=actor, membership=membership, role=role, ip_address=ip_address
    )


@transaction.atomic
def remove_member(
    *, org: Organization, actor, membership: Membership, ip_address: str | None = None
) -> None:
    """Remove `membership` from `org`; their access ends with their next request.

    The apps registered in `hooks` clean up after them in the same transaction (the
    invitations app revokes their open invitations to `org`).
    """
    org, actor_membership, target = _load(org, actor, membership)
    if actor_membership.pk == target.pk:
        raise NotAllowed("To leave the organization, use Leave.", code="remove_self")
    if target.is_initial_owner:
        raise NotAllowed("The initial owner cannot be removed.", code="initial_owner")
    if not permissions.can_remove_member(actor_membership, target):
        raise NotAllowed("Only owners remove owners.", code="not_allowed")
    _ensure_an_owner_stays(org, target)
    user = target.user
    role = target.role
    target.delete()
    cleaned_up = hooks.member_removed(org=org, user=user, actor=actor, ip_address=ip_address)
    record_event(
        org=org,
        actor=actor,
        action="member.remove",
        target=user.email,
        detail={"role": role, **cleaned_up},
        ip_address=ip_address,
    )


@transaction.atomic
def leave_organization(*, org: Organization, user, ip_address: str | None = None) -> None:
    """`user` leaves `org`; the initial owner cannot, and an org always keeps an owner."""
    org, _ = lock_and_authorize(org, user, permissions.Action.LEAVE)
    membership = _fresh_membership(org, user=user)
    if membership is None:
        # Access inherited from a parent org is no membership one could leave.
        raise OrganizationError("You are not a member of this organization.", code="not_member")
    _ensure_an_owner_stays(org, membership)
    role = membership.role
    membership.delete()
    record_event(
        org=org,
        actor=user,
        action="member.leave",
        target=user.email,
        detail={"role": role},
        ip_address=ip_address,
    )

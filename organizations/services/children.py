"""Child organizations and their seat pools: groups share their parent's pool,
customers of a reseller bring pools of their own (DESIGN.md, "Child organizations")."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .. import hooks, permissions, seats
from ..actors import acting_user, is_machine
from ..audit import record_event
from ..errors import NotAllowed
from ..models import Membership, Organization, Team
from ._common import lock_and_authorize
from .lifecycle import DEFAULT_TEAM_NAME, _save_validated, suggest_org_name


def _seat_count_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


@transaction.atomic
def create_child_organization(
    *,
    parent: Organization,
    creator,
    kind: str,
    display_name: str,
    admin_email: str,
    user_seats: int,
    device_seats: int,
    name: str = "",
    ip_address: str | None = None,
) -> Organization:
    """Create a group (sharing `parent`'s pool) or a customer (of a reseller, own pool).

    The admin email becomes the child's owner: the creator at once when it is their
    own address, an existing account otherwise, or an owner invitation when the
    invitations app is installed.
    """
    if kind not in (Organization.Kind.GROUP, Organization.Kind.CUSTOMER):
        raise ValueError(f"not a child kind: {kind}")
    parent, _ = lock_and_authorize(parent, creator, permissions.Action.MANAGE_CHILDREN)
    blocked = permissions.org_inactive_reason(parent, "have child organizations")
    if blocked:
        raise NotAllowed(blocked, code="parent_inactive")
    if kind == Organization.Kind.CUSTOMER and not parent.is_reseller:
        raise NotAllowed("Only resellers create customer organizations.", code="not_a_reseller")
    hooks.guard_new_child(parent=parent, kind=kind)
    if user_seats < 1:
        raise _seat_count_error(
            "user_seats",
            "The new organization needs at least one user seat, for its owner.",
            "no_owner_seat",
        )
    if kind == Organization.Kind.GROUP:
        seats.ensure_available(parent, seats.USERS, user_seats)
        seats.ensure_available(parent, seats.DEVICES, device_seats)

    admin_email = admin_email.strip().lower()
    # A machine has no address of its own: its admin email is always someone else's.
    is_self = not is_machine(creator) and admin_email == creator.email.lower()
    owner_user = creator if is_self else _existing_user(admin_email)
    inviter = hooks.owner_inviter()
    if owner_user is None and inviter is None:
        raise _seat_count_error(
            "admin_email",
            "No account uses this address. Ask them to sign up first, then try again.",
            "admin_unknown",
        )

    display_name = display_name.strip()
    child = Organization(
        display_name=display_name,
        name=(name or suggest_org_name(display_name)).strip(),
        kind=kind,
        parent=parent,
        root_id=parent.tree_root_id,
        status=Organization.Status.ACTIVE,
        created_by=acting_user(creator),
        user_seat_limit=user_seats,
        device_seat_limit=device_seats,
    )
    _save_validated(child)
    team = Team.objects.create(organization=child, name=DEFAULT_TEAM_NAME, is_default=True)
    detail = {
        "kind": kind,
        "parent": parent.name,
        "user_seats": user_seats,
        "device_seats": device_seats,
        "admin_email": admin_email,
    }
    record_event(
        org=child,
        actor=creator,
        action="org.create",
        target=child.name,
        detail=detail,
        ip_address=ip_address,
    )
    record_event(
        org=parent,
        actor=creator,
        action="org.child_create",
        target=child.name,
        detail=detail,
        ip_address=ip_address,
    )
    if owner_user is not None and (is_self or inviter is None):
        membership = Membership.objects.create(
            organization=child, user=owner_user, role=Membership.Role.OWNER
        )
        team.members.add(membership)
        record_event(
            org=child,
            actor=creator,
            action="member.add",
            target=owner_user.email,
            detail={"role": Membership.Role.OWNER},
            ip_address=ip_address,
        )
    else:
        inviter(org=child, inviter=creator, email=admin_email, ip_address=ip_address)
    return child


def _existing_user(email: str):
    return get_user_model().objects.filter(email__iexact=email).first()


@transaction.atomic
def change_allotment(
    *,
    group: Organization,
    actor,
    user_seats: int,
    device_seats: int,
    ip_address: str | None = None,
) -> Organization:
    """Set a group's allotments: never below what it uses, never above what its parent gives.

    The parent's managers may, and platform staff with the seat-limits permission.
    """
    if not group.is_group:
        raise ValueError("only groups have allotments")
    group, _ = lock_and_authorize(
        group, actor, permissions.ServiceAction.CHANGE_ALLOTMENT, decided_in=group.parent
    )
    changed = check_allotment(group=group, user_seats=user_seats, device_seats=device_seats)
    for field, change in changed.items():
        setattr(group, field, change["to"])
    parent = Organization.objects.get(pk=group.parent_id)  # locked by lock_pool
    _save_pool_change(
        group, parent, changed, actor=actor, action="org.allotment_change", ip_address=ip_address
    )
    return group


def _save_pool_change(
    child: Organization, parent: Organization, changed: dict, *, actor, action, ip_address
) -> None:
    """Save a child's new limits; the change is audited in the child and in its parent."""
    if not changed:
        return
    child.save(update_fields=[*changed, "updated_at"])
    for org in (child, parent):
        record_event(
            org=org,
            actor=actor,
            action=action,
            target=child.name,
            detail={"changed": changed},
            ip_address=ip_address,
        )


def check_allotment(*, group: Organization, user_seats: int, device_seats: int) -> dict:
    """The changes a new allotment makes, or ValidationError when the pools forbid it.

    Run it under `seats.lock_pool(group)` to act on the answer.
    """
    parent = Organization.objects.get(pk=group.parent_id)
    changed = {}
    for resource, new_limit in ((seats.USERS, user_seats), (seats.DEVICES, device_seats)):
        field = seats.RESOURCES[resource]["limit_field"]
        old_limit = getattr(group, field)
        if new_limit == old_limit:
            continue
        _check_pool_size(group, resource, new_limit)
        if new_limit > old_limit:
            try:
                seats.ensure_available(parent, resource, new_limit - old_limit)
            except seats.SeatLimitExceeded as exc:
                raise _seat_count_error(
                    "user_seats" if resource == seats.USERS else "device_seats",
                    exc.message,
                    exc.code,
                ) from exc
        changed[field] = {"from": old_limit, "to": new_limit}
    return changed


def check_seat_limits(*, org: Organization, user_seats: int, device_seats: int) -> None:
    """ValidationError unless `org`'s pool may take these limits (groups and customers)."""
    if org.is_group:
        check_allotment(group=org, user_seats=user_seats, device_seats=device_seats)
    elif org.is_customer:
        _check_pool_size(org, seats.USERS, user_seats)
        _check_pool_size(org, seats.DEVICES, device_seats)


def _check_pool_size(org: Organization, resource: str, new_limit: int) -> None:
    current = seats.usage(org, resource)
    floor = current.used + current.allotted
    if new_limit < floor:
        label = seats.RESOURCES[resource]["label"]
        field = "user_seats" if resource == seats.USERS else "device_seats"
        raise _seat_count_error(
            field,
            f"{org.display_name} already uses {floor} {label} "
            f"({current.used} itself, {current.allotted} given to its groups); "
            f"it cannot have fewer.",
            "below_usage",
        )


@transaction.atomic
def change_customer_pool(
    *,
    customer: Organization,
    actor,
    user_seats: int,
    device_seats: int,
    ip_address: str | None = None,
) -> Organization:
    """Resize a customer's own pool: only the reseller's owners or platform staff."""
    if not customer.is_customer:
        raise ValueError("only customers have pools of their own")
    customer, _ = lock_and_authorize(
        customer, actor, permissions.ServiceAction.CHANGE_CUSTOMER_POOL, decided_in=customer.parent
    )
    reseller = Organization.objects.get(pk=customer.parent_id)  # locked before the customer
    changed = {}
    for resource, new_limit in ((seats.USERS, user_seats), (seats.DEVICES, device_seats)):
        field = seats.RESOURCES[resource]["limit_field"]
        old_limit = getattr(customer, field)
        if new_limit != old_limit:
            _check_pool_size(customer, resource, new_limit)
            changed[field] = {"from": old_limit, "to": new_limit}
            setattr(customer, field, new_limit)
    _save_pool_change(
        customer, reseller, changed, actor=actor, action="org.pool_change", ip_address=ip_address
    )
    return customer


@transaction.atomic
def set_reseller(
    *, org: Organization, actor, is_reseller: bool, ip_address: str | None = None
) -> Organization:
    """Platform staff with the reseller permission mark or unmark a standard org."""
    org, _ = lock_and_authorize(org, actor, permissions.ServiceAction.SET_RESELLER)
    if org.is_reseller != is_reseller:
        org.is_reseller = is_reseller
        org.save(update_fields=["is_reseller", "updated_at"])
        record_event(
            org=org,
            actor=actor,
            action="org.reseller_on" if is_reseller else "org.reseller_off",
            target=org.name,
            ip_address=ip_address,
        )
    return org

"""Seat limits set by billing: an owner's plan or seat purchase, within what is in use.

The billing app decides what a plan allows (its maximum, its features) and passes
that as `check`; this module locks the pool, checks the owner's right under the lock,
refuses limits below what is used or given to groups, writes and audits.
"""

from collections.abc import Callable

from django.db import transaction

from .. import permissions, seats
from ..audit import record_event
from ..errors import NotAllowed, OrganizationError
from ..models import Organization
from ._common import lock_and_authorize


class SeatsInUse(OrganizationError):
    """A new limit is below what the org uses; the message says how many to free."""

    code = "below_usage"


@transaction.atomic
def set_billed_seat_limits(
    *,
    org: Organization,
    actor,
    user_seat_limit: int,
    device_seat_limit: int,
    check: Callable[[Organization], None] | None = None,
    detail: dict | None = None,
    ip_address: str | None = None,
) -> Organization:
    """Set the seat limits an owner pays for: never below what is used or allotted.

    `check(locked_org)` runs under the lock before anything is written (billing's
    plan rules); it raises to refuse. Groups have no billing of their own.
    """
    org, _ = lock_and_authorize(org, actor, permissions.Action.MANAGE_BILLING)
    if org.is_group:
        raise NotAllowed(
            "A group draws its seats from its parent and has no billing of its own.",
            code="group_billing",
        )
    if check is not None:
        check(org)
    changed = {}
    for resource, new_limit in (
        (seats.USERS, user_seat_limit),
        (seats.DEVICES, device_seat_limit),
    ):
        field = seats.RESOURCES[resource]["limit_field"]
        ensure_limit_covers_usage(org, resource, new_limit)
        if getattr(org, field) != new_limit:
            changed[field] = {"from": getattr(org, field), "to": new_limit}
            setattr(org, field, new_limit)
    if changed:
        org.save(update_fields=[*changed, "updated_at"])
        record_event(
            org=org,
            actor=actor,
            action="billing.seats",
            target=org.name,
            detail={"changed": changed, **(detail or {})},
            ip_address=ip_address,
        )
    return org


def ensure_limit_covers_usage(org: Organization, resource: str, new_limit: int) -> None:
    """Raise SeatsInUse, naming how many seats to free, when `new_limit` is below usage."""
    current = seats.usage(org, resource)
    floor = current.used + current.allotted
    if new_limit >= floor:
        return
    label = seats.RESOURCES[resource]["label"]
    if resource == seats.USERS:
        parts = f"{current.used} by members and pending invitations"
    else:
        parts = f"{current.used} by registered devices"
    if current.allotted:
        parts += f", {current.allotted} given to its groups"
    raise SeatsInUse(
        f"{org.display_name} uses {floor} {label} ({parts}). "
        f"Free {floor - new_limit} of them before going down to {new_limit}."
    )

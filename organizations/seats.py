"""Seat pools: what an organization may use, uses, gives to its groups, and has left.

There are two resources, user seats and device seats. An org's *usage* is its
members plus the seats other apps hold in it (users: pending invitations, through
`hooks.register_seat_holder`) and its registered devices (devices). Its groups are
*allotted* seats out of its pool; customers have pools of their own. *Available* is
`limit - usage - allotted`.

Every seat-taking write goes through this module (DESIGN.md, "Seats"): it locks the
pool's rows top-down (a group together with the pools it draws from), counts, and
refuses when too little is left, all inside the caller's transaction.
"""

from dataclasses import dataclass

from django.db.models import Count, Subquery, Sum
from django.db.models.functions import Coalesce

from config.metrics import count_seat_refusal

from . import hooks
from .errors import OrganizationError
from .models import Device, Membership, Organization

USERS = hooks.USERS
DEVICES = hooks.DEVICES

RESOURCES = {
    USERS: {"label": "user seats", "limit_field": "user_seat_limit"},
    DEVICES: {"label": "device seats", "limit_field": "device_seat_limit"},
}


class SeatLimitExceeded(OrganizationError):
    """Too few seats of one resource are left; the message says which and how many."""

    code = "seat_limit_exceeded"

    def __init__(self, message: str, *, resource: str, available: int):
        super().__init__(message)
        self.resource = resource
        self.available = available


@dataclass(frozen=True)
class SeatUsage:
    resource: str
    limit: int
    used: int
    allotted: int = 0
    # Of `used`, the seats other apps hold (pending invitations); the rest are members
    # (user seats) or registered devices (device seats).
    held: int = 0

    @property
    def own(self) -> int:
        """Members (user seats) or devices (device seats) counted in `used`."""
        return self.used - self.held

    @property
    def label(self) -> str:
        return RESOURCES[self.resource]["label"]

    @property
    def available(self) -> int:
        return max(self.limit - self.used - self.allotted, 0)

    @property
    def percent_used(self) -> int:
        return self._percent(self.used)

    @property
    def percent_allotted(self) -> int:
        return min(self._percent(self.allotted), 100 - self.percent_used)

    def _percent(self, amount: int) -> int:
        if not self.limit:
            return 100 if amount else 0
        return min(round(100 * amount / self.limit), 100)


def held_count(org: Organization, resource: str = USERS) -> int:
    """Seats of `org`'s pool held by the apps registered in `hooks` (pending invitations)."""
    return hooks.held_seats(org, resource)


def _counts(org: Organization, resources) -> dict[str, int]:
    """For each resource: what `org` uses itself (members or devices), what other apps
    hold in its pool, and what it gives its groups. Two queries: the org's own counts
    together, then the holders' grouped counts (`hooks.held_seats_by_org`), each filtered
    by the org's id as a constant, so that the planner sizes them by the org's own
    rows rather than by the average org's."""
    columns = {}
    for resource in resources:
        model = Membership if resource == USERS else Device
        columns[f"{resource}_own"] = _count(
            model.objects.filter(organization_id=org.pk), by="organization_id"
        )
        columns[f"{resource}_allotted"] = _count(
            Organization.objects.filter(parent_id=org.pk, kind=Organization.Kind.GROUP),
            by="parent_id",
            total=RESOURCES[resource]["limit_field"],
        )
    counts = Organization.objects.filter(pk=org.pk).values(**columns).get()
    for resource in resources:
        counts[f"{resource}_held"] = hooks.held_seats_by_org([org.pk], resource)[org.pk]
    return counts


def _count(rows, *, by: str, total: str | None = None):
    """A scalar subquery: the number of `rows` (all sharing `by`), or the sum of their
    `total` column; 0 when there are none."""
    aggregate = Sum(total) if total else Count("*")
    grouped = rows.order_by().values(by).annotate(value=aggregate).values("value")
    return Coalesce(Subquery(grouped[:1]), 0)


def used(org: Organization, resource: str) -> int:
    return usage(org, resource).used


def allotted(org: Organization, resource: str) -> int:
    """Seats of `org`'s pool given to its groups (customers bring pools of their own)."""
    field = RESOURCES[resource]["limit_field"]
    total = org.children.filter(kind=Organization.Kind.GROUP).aggregate(total=Sum(field))["total"]
    return total or 0


def _usage(org: Organization, resource: str, counts: dict[str, int]) -> SeatUsage:
    return SeatUsage(
        resource=resource,
        limit=getattr(org, RESOURCES[resource]["limit_field"]),
        used=counts[f"{resource}_own"] + counts[f"{resource}_held"],
        allotted=counts[f"{resource}_allotted"],
        held=counts[f"{resource}_held"],
    )


def usage(org: Organization, resource: str) -> SeatUsage:
    """`org`'s pool of `resource`, in one query (exact under the pool's lock)."""
    return _usage(org, resource, _counts(org, [resource]))


def all_usage(org: Organization) -> dict[str, SeatUsage]:
    """Both resources of `org`, in one query however many members, devices, seat
    holders and groups it has."""
    counts = _counts(org, RESOURCES)
    return {resource: _usage(org, resource, counts) for resource in RESOURCES}


def user_seat_usage(org: Organization) -> SeatUsage:
    return usage(org, USERS)


# --- locking ---------------------------------------------------------------------------


def pool_chain(org: Organization) -> list[int]:
    """Ids of `org` and the pools it draws from, root first: a group draws from its parent."""
    chain = [org.pk]
    kind, parent_id = org.kind, org.parent_id
    while kind == Organization.Kind.GROUP and parent_id is not None:
        chain.append(parent_id)
        kind, parent_id = Organization.objects.values_list("kind", "parent_id").get(pk=parent_id)
    return list(reversed(chain))


def lock_pool(org: Organization) -> Organization:
    """Lock `org` and every pool it draws from, top-down, and return `org` fresh.

    Every writer locks in the same order (root first), so two writers never wait
    on each other in a cycle.
    """
    locked = None
    for pk in pool_chain(org):
        locked = Organization.objects.select_for_update().get(pk=pk)
    return locked


def ensure_available(org: Organization, resource: str, count: int = 1) -> SeatUsage:
    """Raise SeatLimitExceeded unless `count` seats of `resource` are free in `org`."""
    current = usage(org, resource)
    if current.available < count:
        count_seat_refusal(resource)
        raise SeatLimitExceeded(
            _refusal(org, resource, count, current.available),
            resource=resource,
            available=current.available,
        )
    return current


def take(org: Organization, resource: str, count: int = 1) -> Organization:
    """Lock the pool and make sure `count` seats are free; call inside `atomic()`.

    The caller writes the row that takes the seat in the same transaction.
    """
    pool = lock_pool(org)
    ensure_available(pool, resource, count)
    return pool


def take_user_seat(org: Organization) -> Organization:
    return take(org, USERS)


def take_device_seat(org: Organization) -> Organization:
    return take(org, DEVICES)


def take_held_user_seat(org: Organization) -> Organization:
    """Lock the pool to turn a held seat (a pending invitation) into a member.

    The invitation's own seat is already counted, so only members and the groups'
    allotments decide: a new member must fit under the limit. Other pending
    invitations do not block it; if the limit was lowered below what is held, the
    first to accept wins and the others are refused.
    """
    pool = lock_pool(org)
    current = SeatUsage(
        resource=USERS,
        limit=pool.user_seat_limit,
        used=pool.memberships.count(),
        allotted=allotted(pool, USERS),
    )
    if current.available < 1:
        count_seat_refusal(USERS)
        raise SeatLimitExceeded(
            _refusal(pool, USERS, 1, current.available),
            resource=USERS,
            available=current.available,
        )
    return pool


def _refusal(org: Organization, resource: str, wanted: int, available: int) -> str:
    label = RESOURCES[resource]["label"]
    if available == 0:
        return f"No {label[:-1]} is left in {org.display_name}: all {label} are taken."
    return f"{org.display_name} has only {available} {label} left; {wanted} were asked for."

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
from functools import cache

from django.db import connections
from django.db.models import Sum

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
    hold in its pool, and what it gives its groups, in one statement. A holder that gives
    no SQL of its own (`held_statement`) is counted in a query of its own afterwards
    (`hooks.held_seats_by_org`). Each count is filtered by the org's id as a constant,
    so that the planner sizes them by the org's own rows rather than by the average
    org's."""
    resources = tuple(resources)
    names, sql = _counts_sql(resources)
    names = list(names)
    params = [org.pk, org.pk, Organization.Kind.GROUP.value] * len(resources)
    held_elsewhere, held_columns = {}, []
    for resource in resources:
        terms = []
        for holder in hooks.seat_holders(resource):
            if holder.held_statement is None:
                held_elsewhere.setdefault(resource, []).append(holder)
                continue
            held_sql, held_params = holder.held_statement(org.pk)
            terms.append(f"COALESCE(({held_sql}), 0)")
            params += held_params
        held_columns.append(f"({' + '.join(terms)})" if terms else "0")
        names.append(f"{resource}_held")
    sql = f"{sql}, {', '.join(held_columns)}"
    with connections[Organization.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    counts = {name: int(value or 0) for name, value in zip(names, row, strict=True)}
    for resource, holders in held_elsewhere.items():
        counts[f"{resource}_held"] += hooks.held_seats_by_org([org.pk], resource, holders)[org.pk]
    return counts


@cache
def _counts_sql(resources: tuple[str, ...]) -> tuple[list[str], str]:
    """The names and SQL of `_counts`'s first query: one scalar subquery a count.

    Written once per process: every org page shows the seats, and the ORM would compile
    the same four subqueries again on every request. The params are, per resource, the
    org's id twice and the group kind."""
    connection = connections[Organization.objects.db]
    quote = connection.ops.quote_name
    orgs = quote(Organization._meta.db_table)
    parent = quote(Organization._meta.get_field("parent").column)
    kind = quote(Organization._meta.get_field("kind").column)
    names, columns = [], []
    for resource in resources:
        model = Membership if resource == USERS else Device
        owner = quote(model._meta.get_field("organization").column)
        limit = quote(Organization._meta.get_field(RESOURCES[resource]["limit_field"]).column)
        names += [f"{resource}_own", f"{resource}_allotted"]
        columns += [
            f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)} WHERE {owner} = %s)",
            f"(SELECT COALESCE(SUM({limit}), 0) FROM {orgs} WHERE {parent} = %s AND {kind} = %s)",
        ]
    return names, "SELECT " + ", ".join(columns)


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
    """Raise SeatLimitExceeded unless `count` seats of `resource` are free in `org`.

    The seat guards registered in `hooks` are asked first (billing refuses new seats
    while a payment is past due beyond the grace period).
    """
    if count > 0:
        hooks.guard_new_seats(pool=org, resource=resource, count=count)
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

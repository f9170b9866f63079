"""Seat pools: what an organization may use, uses, and has left.

Every seat-taking write goes through this module (DESIGN.md, "Seats"): lock the
pool's row, count, and refuse when nothing is left, all inside the caller's
transaction.
"""

from dataclasses import dataclass

from .errors import OrganizationError
from .models import Organization


class SeatLimitExceeded(OrganizationError):
    code = "seat_limit_exceeded"


@dataclass(frozen=True)
class SeatUsage:
    resource: str
    limit: int
    used: int
    allotted: int = 0

    @property
    def available(self) -> int:
        return max(self.limit - self.used - self.allotted, 0)

    @property
    def percent_used(self) -> int:
        if not self.limit:
            return 100 if self.used else 0
        return min(round(100 * (self.used + self.allotted) / self.limit), 100)


def user_seat_usage(org: Organization, *, member_count: int | None = None) -> SeatUsage:
    """User seats of `org`: its members count against its limit."""
    used = org.memberships.count() if member_count is None else member_count
    return SeatUsage(resource="user seats", limit=org.user_seat_limit, used=used)


def lock_pool(org: Organization) -> Organization:
    """Lock `org`'s row for the rest of the transaction and return it fresh."""
    return Organization.objects.select_for_update().get(pk=org.pk)


def take_user_seat(org: Organization) -> Organization:
    """Lock the pool and make sure one more user seat is free; call inside atomic()."""
    pool = lock_pool(org)
    usage = user_seat_usage(pool)
    if usage.available < 1:
        raise SeatLimitExceeded(
            f"No user seat is left in {pool.display_name}: all {usage.limit} are taken.",
        )
    return pool

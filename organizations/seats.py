"""Seat pools: what an organization may use, uses, and has left.

Every seat-taking write goes through this module (DESIGN.md, "Seats"): lock the
pool's row, count, and refuse when nothing is left, all inside the caller's
transaction.

User seats are taken by members and held by pending, unexpired invitations. The
invitations app owns those rows; this module reads them through the reverse
relation `org.invitations`, so organizations never imports invitations.
"""

from dataclasses import dataclass

from django.utils import timezone

from .errors import OrganizationError
from .models import Organization

# The status the invitations app gives an invitation that still holds a seat.
PENDING_INVITATION_STATUS = "pending"


class SeatLimitExceeded(OrganizationError):
    code = "seat_limit_exceeded"


@dataclass(frozen=True)
class SeatUsage:
    resource: str
    limit: int
    used: int
    allotted: int = 0
    held: int = 0

    @property
    def available(self) -> int:
        return max(self.limit - self.used - self.held - self.allotted, 0)

    @property
    def percent_used(self) -> int:
        taken = self.used + self.held + self.allotted
        if not self.limit:
            return 100 if taken else 0
        return min(round(100 * taken / self.limit), 100)


def held_invitation_count(org: Organization) -> int:
    """Pending invitations that have not expired: each holds one user seat."""
    return org.invitations.filter(
        status=PENDING_INVITATION_STATUS, expires_at__gt=timezone.now()
    ).count()


def user_seat_usage(
    org: Organization, *, member_count: int | None = None, held_count: int | None = None
) -> SeatUsage:
    """User seats of `org`: its members and its pending invitations count against its limit."""
    used = org.memberships.count() if member_count is None else member_count
    held = held_invitation_count(org) if held_count is None else held_count
    return SeatUsage(resource="user seats", limit=org.user_seat_limit, used=used, held=held)


def lock_pool(org: Organization) -> Organization:
    """Lock `org`'s row for the rest of the transaction and return it fresh."""
    return Organization.objects.select_for_update().get(pk=org.pk)


def _no_seat_left(pool: Organization, usage: SeatUsage) -> SeatLimitExceeded:
    return SeatLimitExceeded(
        f"No user seat is left in {pool.display_name}: all {usage.limit} are taken "
        "by members and pending invitations.",
    )


def take_user_seat(org: Organization) -> Organization:
    """Lock the pool and make sure one more user seat is free; call inside atomic()."""
    pool = lock_pool(org)
    usage = user_seat_usage(pool)
    if usage.available < 1:
        raise _no_seat_left(pool, usage)
    return pool


def take_held_user_seat(org: Organization) -> Organization:
    """Lock the pool for turning a held seat (a pending invitation) into a member.

    The invitation's own seat is already counted, so only members decide: a new
    member must fit under the limit. Other pending invitations do not block it; if
    the limit was lowered below what is held, the first to accept wins.
    """
    pool = lock_pool(org)
    usage = user_seat_usage(pool, held_count=0)
    if usage.available < 1:
        raise _no_seat_left(pool, usage)
    return pool

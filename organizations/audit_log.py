"""Reading an org's audit log: filters, keyset pages ("older" / "newer") and CSV rows.

Pages are found by the (created_at, id) of the row they continue from, never by an
OFFSET, so the last page of a million events costs what the first one does: one
index range scan on (organization, -created_at, -id).
"""

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import QuerySet

from .expressions import RowCompare
from .models import AuditEvent, Organization

PAGE_SIZE = 50
# The actions the portal records, offered as suggestions by the log's action filter.
KNOWN_ACTIONS = (
    "device.register", "device.remove",
    "member.accept", "member.add", "member.edit", "member.invite", "member.invite.decline",
    "member.invite.resend", "member.invite.revoke", "member.leave", "member.remove",
    "member.role_change",
    "org.allotment_change", "org.approve", "org.child_create", "org.create", "org.delete",
    "org.edit", "org.pool_change", "org.reject", "org.request", "org.reseller_off",
    "org.reseller_on", "org.resubmit", "org.seat_limits", "org.staff_create", "org.suspend",
    "org.unsuspend", "org.withdraw",
    "team.create", "team.delete", "team.member_add", "team.member_remove", "team.rename",
    "unit.create", "unit.delete", "unit.edit", "unit.move",
    "workspace.create", "workspace.delete", "workspace.edit", "workspace.member_add",
    "workspace.member_remove", "workspace.move",
)  # fmt: skip
# Organization security policy.
KNOWN_ACTIONS += ("member.mfa_reminder", "org.security_policy_change")
EXPORT_CHUNK = 2000
CSV_COLUMNS = ("time", "actor", "action", "target", "ip_address", "detail")
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Cursor:
    """The position of one event in the log's order."""

    created_at: datetime
    pk: int

    def encode(self) -> str:
        micros = int(self.created_at.timestamp() * 1_000_000)
        return f"{micros}-{self.pk}"

    @classmethod
    def decode(cls, value: str | None) -> "Cursor | None":
        """The cursor `value` names, or None when it is missing or malformed."""
        if not value or len(value) > 40:
            return None
        micros, _, pk = value.partition("-")
        if not (micros.isdigit() and pk.isdigit()):
            return None
        try:
            created_at = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return cls(created_at=created_at, pk=int(pk))

    @classmethod
    def of(cls, event: AuditEvent) -> "Cursor":
        return cls(created_at=event.created_at, pk=event.pk)


@dataclass
class Page:
    events: list[AuditEvent]
    older: Cursor | None
    newer: Cursor | None

    @property
    def has_other_pages(self) -> bool:
        return self.older is not None or self.newer is not None


def filtered_events(org: Organization, filters: Filters) -> QuerySet[AuditEvent]:
    """The org's events that pass `filters`, newest first."""
    events = AuditEvent.objects.filter(organization=org)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor:
        events = events.filter(actor_email__iexact=filters.actor)
    if filters.since:
        events = events.filter(created_at__gte=datetime.combine(filters.since, time.min, UTC))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, UTC)
        events = events.filter(created_at__lt=end)
    return events.order_by("-created_at", "-id")


@contextmanager
def _planned_for_its_values(filters: Filters):
    """Plan an actor-filtered page for the actor it names (PostgreSQL).

    Production prepares statements, and a prepared statement may run a generic plan
    that does not see the actor. When one actor wrote nearly all of an org's events,
    that plan guesses that any actor matches nearly every row and walks the log from
    its newest end until a page is full: the whole log, for an actor with few events.
    Planned for the actor it names, the page is a range of the actor index."""
    if not filters.actor or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
        try:
            yield
        finally:
            cursor.execute("RESET plan_cache_mode")  # the connection's own setting


def events_from(
    org: Organization,
    filters: Filters = Filters(),
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
) -> QuerySet[AuditEvent]:
    """The events passing `filters` just older than `before` (newest first) or just newer
    than `after` (oldest first), or all of them newest first."""
    events = filtered_events(org, filters).select_related(None)
    if after is not None:
        return events.filter(
            RowCompare(("created_at", "id"), ">", (after.created_at, after.pk))
        ).order_by("created_at", "id")
    if before is not None:
        return events.filter(RowCompare(("created_at", "id"), "<", (before.created_at, before.pk)))
    return events


def page_of_events(
    org: Organization,
    *,
    filters: Filters = Filters(),
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of events, newest first: those just older than `before`, those just newer
    than `after`, or the newest. One query."""
    with _planned_for_its_values(filters):
        rows = list(events_from(org, filters, before=before, after=after)[: size + 1])
    if after is not None:
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            events=rows,
            older=Cursor.of(rows[-1]) if rows else None,
            newer=Cursor.of(rows[0]) if rows and more_newer else None,
        )
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(
        events=rows,
        older=Cursor.of(rows[-1]) if rows and more_older else None,
        newer=Cursor.of(rows[0]) if rows and before is not None else None,
    )


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class _Echo:
    """A file-like object whose write returns what it is given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(org: Organization, filters: Filters) -> Iterator[str]:
    """The header and one CSV line per event passing `filters`, newest first, read from
    the database in chunks so that memory stays flat however long the log."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    events = filtered_events(org, filters).only(
        "created_at", "actor_email", "actor_label", "action", "target", "ip_address", "detail"
    )
    for event in events.iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow(
            [
                event.created_at.isoformat(),
                _safe_cell(event.actor_name),
                _safe_cell(event.action),
                _safe_cell(event.target),
                event.ip_address or "",
                _safe_cell(event.detail_json),
            ]
        )

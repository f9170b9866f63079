"""Reading an org's audit log: filters, keyset pages ("older" / "newer") and CSV rows.

Pages are found by the (created_at, id) of the row they continue from, never by an
OFFSET (organizations/keyset.py), so the oldest page of a million events costs what the
newest one does: one index range scan on (organization, -created_at, -id).
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet

from .keyset import Keyset
from .models import AuditEvent, Organization

PAGE_SIZE = 50
# The log's order, newest first; the index on (organization, -created_at, -id) serves it.
ORDER = Keyset(AuditEvent, "-created_at", "-id")
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
    return ORDER.ordered(events)


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

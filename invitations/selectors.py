"""Read-side helpers for invitation pages; each keeps its query count flat."""

from django.db import connections
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from organizations.expressions import InConstants
from organizations.keyset import Keyset
from organizations.models import Organization

from .models import Invitation
from .tokens import hash_token, looks_like_token, token_matches

# The invitations list's order, newest first; the index `invitation_open_newest` (the
# org's open invitations by -created_at, -id) serves a page from either end.
INVITATION_ORDER = Keyset(Invitation, "-created_at", "-id")


def open_invitations_for(org: Organization) -> QuerySet[Invitation]:
    """The org's pending and expired invitations, newest first, with their inviters."""
    # The statuses are written into the SQL: the list's index holds open invitations
    # only, and a prepared statement's plan uses it only when the text says so.
    return INVITATION_ORDER.ordered(
        Invitation.objects.filter(organization=org)
        .filter(InConstants("status", Invitation.OPEN_STATUSES))
        .select_related("invited_by")
    )


# What a row of the invitations page reads: the invitation and its inviter's name.
INVITATION_ROW_FIELDS = (
    "id",
    "organization_id",
    "email",
    "first_name",
    "last_name",
    "role",
    "status",
    "send_count",
    "last_sent_at",
    "expires_at",
    "created_at",
    "invited_by__id",
    "invited_by__email",
    "invited_by__first_name",
    "invited_by__last_name",
)


def invitation_rows_for(org: Organization) -> QuerySet[Invitation]:
    """`open_invitations_for(org)` with only the columns the invitations page shows."""
    return open_invitations_for(org).only(*INVITATION_ROW_FIELDS)


def usable_invitation_for_token(token: str | None) -> Invitation | None:
    """The pending, unexpired invitation of an active org that `token` opens, or None."""
    if not token or not looks_like_token(token):
        return None
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None or not token_matches(token, invitation.token_hash):
        return None
    if not invitation.is_usable or not invitation.organization.is_active:
        return None
    return invitation


def _seat_holding(**filters) -> QuerySet[Invitation]:
    """Pending, unexpired invitations: each holds one user seat of its org."""
    return Invitation.objects.filter(
        status=Invitation.Status.PENDING, expires_at__gt=timezone.now(), **filters
    )


def held_seat_count(org: Organization) -> int:
    """The seat-holder hook's count: user seats `org`'s invitations hold now."""
    return _seat_holding(organization=org).count()


# The seat-holder statements' text, by database (and number of orgs).
_held_sql: dict = {}


def held_seat_counts(org_ids) -> dict[int, int]:
    """The seat-holder hook's counts for a page of orgs (the children page's rows):
    `held_seat_count` of each in one grouped statement, its text written once per
    process for each number of orgs. The ORM took longer to write it than the database
    to answer it."""
    org_ids = list(org_ids)
    if not org_ids:
        return {}
    using = Invitation.objects.db
    connection = connections[using]
    key = (using, len(org_ids))
    if key not in _held_sql:
        head, tail = _held_sql_parts(connection)
        places = ", ".join(["%s"] * len(org_ids))
        _held_sql[key] = f"{head} IN ({places}){tail}"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_held_sql[key], [*org_ids, Invitation.Status.PENDING.value, now])
        return dict(cursor.fetchall())


def _held_sql_parts(connection) -> tuple[str, str]:
    """(head, tail) of the grouped count: the org ids' placeholders go between."""
    quote = connection.ops.quote_name
    meta = Invitation._meta
    names = ("organization", "status", "expires_at")
    column = {name: quote(meta.get_field(name).column) for name in names}
    return (
        f"SELECT {column['organization']}, COUNT(*) FROM {quote(meta.db_table)}"
        f" WHERE {column['organization']}",
        f" AND {column['status']} = %s AND {column['expires_at']} > %s"
        f" GROUP BY {column['organization']}",
    )


def held_seat_counts_orm(org_ids) -> dict[int, int]:
    """`held_seat_counts` as a queryset: the reference the statement is tested against."""
    return dict(
        _seat_holding(organization_id__in=list(org_ids))
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )


def held_seat_annotation():
    """The seat-holder hook's annotation: the same count per row of an Organization query."""
    return Coalesce(
        Subquery(
            _seat_holding(organization=OuterRef("pk"))
            .order_by()
            .values("organization")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def held_seat_statement(org_id: int) -> tuple[str, list]:
    """The seat-holder hook's count as SQL (`held_statement`): `held_seat_count` in one
    scalar query, its text written once per process."""
    using = Invitation.objects.db
    connection = connections[using]
    if using not in _held_sql:
        quote = connection.ops.quote_name
        meta = Invitation._meta
        column = {
            name: quote(meta.get_field(name).column)
            for name in ("organization", "status", "expires_at")
        }
        _held_sql[using] = (
            f"SELECT COUNT(*) FROM {quote(meta.db_table)} WHERE {column['organization']} = %s"
            f" AND {column['status']} = %s AND {column['expires_at']} > %s"
        )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return _held_sql[using], [org_id, Invitation.Status.PENDING.value, now]

"""Read-side helpers for pages: each keeps its query count flat however many rows."""

from django.db.models import Count, QuerySet

from .models import AuditEvent, Membership, Organization, Team


def memberships_for_user(user) -> QuerySet[Membership]:
    """The user's memberships with their orgs and member counts, for lists and the switcher."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .annotate(member_count=Count("organization__memberships"))
        .order_by("organization__display_name", "organization__name")
    )


def switcher_memberships(user) -> list[Membership]:
    """The orgs of the top-bar switcher: one query, no counts."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .only(
            "role",
            "organization__name",
            "organization__display_name",
            "organization__status",
        )
        .order_by("organization__display_name", "organization__name")
    )


def membership_for(user, org_name: str) -> Membership | None:
    """The user's membership in the org named `org_name`, with the org loaded."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organization__name=org_name)
        .select_related("organization")
        .first()
    )


def teams_with_counts(org: Organization) -> QuerySet[Team]:
    return org.teams.annotate(member_count=Count("members")).order_by("-is_default", "name")


def member_count(org: Organization) -> int:
    return org.memberships.count()


def audit_events_for(org: Organization) -> QuerySet[AuditEvent]:
    """The org's audit log, newest first."""
    return AuditEvent.objects.filter(organization=org).select_related("actor")

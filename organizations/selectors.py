"""Read-side helpers for pages: each keeps its query count flat however many rows."""

from django.apps import apps
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import AuditEvent, Device, Membership, Organization, Team
from .permissions import INHERITED_ROLES


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
    """The user's access to the org named `org_name`, with the org loaded.

    A direct membership, or else the role of an owner or admin of one of the org's
    ancestors, given as an unsaved Membership whose `inherited_from` names that
    ancestor. None when the user may not see the org.
    """
    if not user.is_authenticated:
        return None
    direct = (
        Membership.objects.filter(user=user, organization__name=org_name)
        .select_related("organization", "organization__parent")
        .first()
    )
    if direct is not None:
        return direct
    org = (
        Organization.objects.filter(name=org_name, parent__isnull=False)
        .select_related("parent")
        .first()
    )
    if org is None:
        return None
    ancestors = ancestor_ids(org)
    inherited = (
        Membership.objects.filter(
            user=user, organization_id__in=ancestors, role__in=INHERITED_ROLES
        )
        .select_related("organization")
        .order_by("role")  # "admin" < "owner": prefer the stronger role below
    )
    best = None
    for membership in inherited:
        if best is None or membership.role == Membership.Role.OWNER:
            best = membership
    if best is None:
        return None
    access = Membership(organization=org, user=user, role=best.role)
    access.inherited_from = best.organization
    return access


def ancestor_ids(org: Organization) -> list[int]:
    """Ids of `org`'s ancestors, nearest first: one small query per level."""
    ids = []
    parent_id = org.parent_id
    while parent_id is not None and parent_id not in ids:
        ids.append(parent_id)
        parent_id = Organization.objects.values_list("parent_id", flat=True).get(pk=parent_id)
    return ids


def descendants_by_level(org: Organization) -> list[list[Organization]]:
    """`org`'s children, grandchildren, ... one query per level, each row annotated with
    its member, device and pending-invitation counts and its groups' allotments."""
    levels = []
    parent_ids = [org.pk]
    seen = {org.pk}
    while parent_ids:
        level = list(
            Organization.objects.filter(parent_id__in=parent_ids)
            .exclude(pk__in=seen)
            .annotate(
                member_count=_count_of(Membership, "organization"),
                device_count=_count_of(Device, "organization"),
                groups_user_allotment=_group_allotment("user_seat_limit"),
                groups_device_allotment=_group_allotment("device_seat_limit"),
                pending_invitation_count=_pending_invitations(),
                parent_name=F("parent__name"),
            )
            .order_by("kind", "display_name")
        )
        if not level:
            break
        levels.append(level)
        parent_ids = [child.pk for child in level]
        seen.update(parent_ids)
    return levels


def _count_of(model, fk: str, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(**{fk: OuterRef("pk")}, **filters)
            .order_by()
            .values(fk)
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def _pending_invitations():
    """Pending, unexpired invitations per org, read through the app registry so that
    this app does not depend on the invitations app."""
    if not apps.is_installed("invitations"):
        return Value(0)
    invitation = apps.get_model("invitations", "Invitation")
    return _count_of(
        invitation,
        "organization",
        status="pending",
        expires_at__gt=timezone.now(),
    )


def _group_allotment(field: str):
    return Coalesce(
        Subquery(
            Organization.objects.filter(parent=OuterRef("pk"), kind=Organization.Kind.GROUP)
            .order_by()
            .values("parent")
            .annotate(total=Sum(field))
            .values("total")[:1]
        ),
        0,
    )


def child_tree(org: Organization) -> list[tuple[int, Organization]]:
    """The descendants of `org` in tree order as (depth, org) pairs, depth 0 for children."""
    levels = descendants_by_level(org)
    children_of: dict[int, list[Organization]] = {}
    for level in levels:
        for node in level:
            children_of.setdefault(node.parent_id, []).append(node)
    rows: list[tuple[int, Organization]] = []

    def visit(parent_id: int, depth: int) -> None:
        for node in children_of.get(parent_id, []):
            rows.append((depth, node))
            visit(node.pk, depth + 1)

    visit(org.pk, 0)
    return rows


def devices_for(org: Organization) -> QuerySet[Device]:
    return org.devices.select_related("registered_by").order_by("name", "identifier")


def teams_with_counts(org: Organization) -> QuerySet[Team]:
    return org.teams.annotate(member_count=Count("members")).order_by("-is_default", "name")


def member_count(org: Organization) -> int:
    return org.memberships.count()


def audit_events_for(org: Organization) -> QuerySet[AuditEvent]:
    """The org's audit log, newest first."""
    return AuditEvent.objects.filter(organization=org).select_related("actor")

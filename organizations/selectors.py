"""Read-side helpers for pages: each keeps its query count flat however many rows."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from allauth.account.models import EmailAddress
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from . import hooks, statements, tree
from .actors import is_machine
from .expressions import count_of as _count_of
from .expressions import group_allotment as _group_allotment
from .keyset import Keyset
from .models import (
    AuditEvent,
    Device,
    Membership,
    Organization,
    OrganizationalUnit,
    Team,
    Workspace,
)
from .permissions import INHERITED_ROLES
from .security import has_mfa_annotation


def memberships_for_user(user, *, search: str = "") -> QuerySet[Membership]:
    """The user's memberships with their orgs and member counts; `search` matches the
    org's display name or name. The count is a subquery, so a page of the list costs
    the same however many orgs the user belongs to."""
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .annotate(member_count=_count_of(Membership, "organization", outer="organization"))
        .order_by("organization__display_name", "organization__name")
    )
    for word in search.split()[:5]:
        memberships = memberships.filter(
            Q(organization__display_name__icontains=word) | Q(organization__name__icontains=word)
        )
    return memberships


SWITCHER_SIZE = 6


def switcher_memberships(user, *, recent_names: Sequence[str] = ()) -> list[Membership]:
    """The few orgs of the top-bar switcher, one query however many orgs the user is in:
    the recently opened ones first (most recent first), then, by name, the first orgs
    the user joined — all of them for a user in only a few."""
    recent_names = list(recent_names)[:SWITCHER_SIZE]
    recent, first = statements.switcher_candidates(user, recent_names, SWITCHER_SIZE)
    return _switcher_pick(recent_names, recent, first)


def switcher_memberships_orm(user, *, recent_names: Sequence[str] = ()) -> list[Membership]:
    """`switcher_memberships` as querysets: the reference the statement is tested against."""
    recent_names = list(recent_names)[:SWITCHER_SIZE]
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .only("role", "organization__name", "organization__display_name", "organization__status")
    )
    recent = list(memberships.filter(organization__name__in=recent_names)) if recent_names else []
    first = list(memberships.order_by("pk")[:SWITCHER_SIZE])
    return _switcher_pick(recent_names, recent, first)


def _switcher_pick(
    recent_names: list[str], recent: list[Membership], first: list[Membership]
) -> list[Membership]:
    by_name = {m.organization.name: m for m in recent}
    picked = [by_name[name] for name in recent_names if name in by_name]
    shown = {m.pk for m in picked}
    others = sorted(
        (m for m in first if m.pk not in shown),
        key=lambda m: (m.organization.display_name.casefold(), m.organization.name),
    )
    return (picked + others)[:SWITCHER_SIZE]


def membership_for(user, org_name: str) -> Membership | None:
    """The user's access to the org named `org_name`, with the org (and its parent)
    loaded in the same query, and the per-request values other apps registered
    (`hooks.register_access_annotation`) annotated on it.

    A direct membership, or else the role of an owner or admin of one of the org's
    ancestors (see `inherited_access`). None when the user may not see the org.
    """
    if not user.is_authenticated:
        return None
    if hooks.has_access_annotations():
        direct = direct_membership_orm(user, org_name)
    else:
        direct = statements.direct_membership(user, org_name)
    if direct is not None:
        return direct
    org = (
        Organization.objects.filter(name=org_name, parent__isnull=False)
        .select_related("parent", "security_policy")
        .annotate(**hooks.access_annotations(user, "pk"))
        .first()
    )
    access = inherited_access(user, org) if org is not None else None
    if access is not None:
        for name, value in hooks.access_state(org).items():
            setattr(access, f"{hooks.ACCESS_STATE_PREFIX}{name}", value)
    return access


def direct_membership_orm(user, org_name: str) -> Membership | None:
    """The user's own membership of `org_name`, as a queryset: the path taken when apps
    registered access annotations, and the reference `statements.direct_membership` is
    tested against."""
    # The org's security policy and the member's MFA ride on the same query, so the
    # policy check every org page makes costs nothing (organizations/security.py).
    direct = (
        Membership.objects.filter(user=user, organization__name=org_name)
        .select_related("organization", "organization__parent", "organization__security_policy")
        .annotate(user_has_mfa=has_mfa_annotation())
    )
    if annotations := hooks.access_annotations(user, "organization"):
        direct = direct.annotate(**annotations)
    # One row at most (a user has one membership per org): no ORDER BY, whose default
    # (the org's, then the user's email) would cost a join and its compilation.
    return next(iter(direct.order_by()[:1]), None)


def access_to(org: Organization, user) -> Membership | None:
    """Like `membership_for`, for an org already loaded (the services' re-check).

    `user` may also be a machine actor (`organizations.actors`): see `machine_access`.
    """
    if is_machine(user):
        return machine_access(user, org)
    direct = (
        Membership.objects.filter(organization=org, user=user)
        .select_related("organization")
        .first()
    )
    return direct if direct is not None else inherited_access(user, org)


def machine_access(actor, org: Organization) -> Membership | None:
    """A machine's access to `org`: an unsaved Membership with its role and granted
    actions when `org` is within its reach (every org for a platform client; its own
    org and that org's descendants otherwise), else None."""
    if not is_machine(actor):
        return None
    reaches = (
        actor.org_id is None
        or org.pk == actor.org_id
        or Organization.objects.filter(pk=actor.org_id, pk__in=ancestor_ids_sql(org)).exists()
    )
    if not reaches:
        return None
    access = Membership(organization=org, role=actor.role)
    access.granted_actions = actor.actions
    access.machine = actor
    return access


def reachable_by(actor, orgs: QuerySet[Organization] | None = None) -> QuerySet[Organization]:
    """The orgs a machine actor reaches: all of them, or its org and its descendants
    (one recursive subquery, as every tree walk)."""
    orgs = Organization.objects.all() if orgs is None else orgs
    if actor.org_id is None:
        return orgs
    return orgs.filter(
        Q(pk=actor.org_id) | Q(pk__in=descendant_ids_sql(Organization(pk=actor.org_id)))
    )


def inherited_access(user, org: Organization) -> Membership | None:
    """An owner or admin of one of `org`'s ancestors opens it with that role.

    Given as an unsaved Membership (pk None) whose `inherited_from` names the
    ancestor; a child's own members get nothing in its parents. One query however
    deep `org` sits.
    """
    if org.parent_id is None or not user.is_authenticated:
        return None
    inherited = Membership.objects.filter(
        user=user, organization_id__in=ancestor_ids_sql(org), role__in=INHERITED_ROLES
    ).select_related("organization")
    best = None
    for membership in inherited:
        if best is None or membership.role == Membership.Role.OWNER:
            best = membership
    if best is None:
        return None
    access = Membership(organization=org, user=user, role=best.role)
    access.inherited_from = best.organization
    return access


def ancestor_ids_sql(org: Organization) -> RawSQL:
    """Ids of every org above `org`, found by one recursive query (PostgreSQL, SQLite);
    UNION, not UNION ALL, so that a cycle in bad data ends the walk."""
    table = Organization._meta.db_table
    if connection.vendor == "postgresql":
        step = f"SELECT o.parent_id FROM {table} o WHERE o.id = up.id AND o.parent_id IS NOT NULL"
        recursive = f"SELECT step.parent_id FROM up {tree.lateral(step)}"
    else:
        recursive = (
            f"SELECT o.parent_id FROM {table} o JOIN up ON o.id = up.id"
            f" WHERE o.parent_id IS NOT NULL"
        )
    return RawSQL(
        f"WITH RECURSIVE up(id) AS ("
        f" SELECT parent_id FROM {table} WHERE id = %s AND parent_id IS NOT NULL"
        f" UNION {recursive}"
        f") SELECT id FROM up",
        [org.pk],
    )


def descendants_by_level(org: Organization) -> list[list[Organization]]:
    """`org`'s children, grandchildren, ... one query per level, each row annotated with
    its member and device counts, the user seats other apps hold in it (pending
    invitations, through `hooks`) and its groups' allotments."""
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
                held_user_seats=hooks.held_seats_annotation(hooks.USERS),
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


# What a row of the children page reads of an org.
CHILD_ROW_FIELDS = tree.ROW_FIELDS


@cache
def _child_row_annotations() -> dict:
    """The children page's counts and allotments as subqueries, built once per process:
    an expression is copied as a query resolves it, so one set serves every request."""
    return {
        "member_count": _count_of(Membership, "organization"),
        "device_count": _count_of(Device, "organization"),
        "child_count": _count_of(Organization, "parent"),
        "groups_user_allotment": _group_allotment("user_seat_limit"),
        "groups_device_allotment": _group_allotment("device_seat_limit"),
        "parent_name": F("parent__name"),
        "total": Window(Count("*")),
    }


def add_held_seats(orgs) -> None:
    """Set `held_user_seats` on each org of a page: the user seats other apps hold in it
    (pending invitations), grouped in one query per seat holder."""
    orgs = list(orgs)
    held = hooks.held_seats_by_org((org.pk for org in orgs), hooks.USERS)
    for org in orgs:
        org.held_user_seats = held[org.pk]


def descendant_ids_sql(org: Organization) -> RawSQL:
    """Ids of every org below `org`, found by one recursive query (PostgreSQL, SQLite)."""
    return RawSQL(tree.walk_down_sql(), [org.pk])


def child_rows(
    org: Organization, *, under: Organization | None = None, search: str = ""
) -> tree.ChildRows:
    """One level of `org`'s tree (its children, or those of the descendant `under`), or,
    with `search`, every descendant whose display name or name contains each word,
    wherever it sits; read a page at a time, one statement a page (`tree.ChildRows`)."""
    return tree.ChildRows(org, under=under, search=search)


def child_rows_orm(
    org: Organization, *, under: Organization | None = None, search: str = ""
) -> QuerySet[Organization]:
    """`child_rows` as a queryset that walks the tree and matches each name as it is:
    the reference the statements are tested against."""
    if search:
        rows = Organization.objects.filter(pk__in=descendant_ids_sql(org))
        for word in search.split()[: tree.SEARCH_WORDS]:
            rows = rows.filter(Q(display_name__icontains=word) | Q(name__icontains=word))
    else:
        rows = Organization.objects.filter(parent=under or org)
    return (
        rows.only(*CHILD_ROW_FIELDS)
        .annotate(**_child_row_annotations())
        .order_by("kind", "display_name", "name")
    )


def path_below(org: Organization, name: str) -> list[tree.PathNode] | None:
    """The orgs from just below `org` down to the org called `name`, for the subtree's
    breadcrumb; None unless that org sits below `org` (`tree.path_below`)."""
    return tree.path_below(org, name)


def devices_for(org: Organization) -> QuerySet[Device]:
    return org.devices.select_related("registered_by").order_by("name", "identifier")


def teams_with_counts(org: Organization) -> QuerySet[Team]:
    """The org's teams, default first, each with its member count as a subquery: a
    slice of the list counts only its own teams' members (a join and GROUP BY would
    aggregate every team's members before the slice)."""
    return org.teams.annotate(member_count=_count_of(Team.members.through, "team")).order_by(
        "-is_default", "name"
    )


def first_teams(org: Organization, size: int) -> list[Team]:
    """The first `size` of `teams_with_counts`, as one statement written once per
    process: compiling the queryset and its count subquery cost more than running it."""
    return statements.first_teams(org, size)


def member_count(org: Organization) -> int:
    return org.memberships.count()


def audit_events_for(org: Organization) -> QuerySet[AuditEvent]:
    """The org's audit log, newest first."""
    return AuditEvent.objects.filter(organization=org).select_related("actor")


# What a row of a members list shows: the membership and its user's name and email
# (not the password hash, not the org row, which every row shares).
MEMBER_ROW_FIELDS = (
    "id",
    "organization_id",
    "user_id",
    "role",
    "created_at",
    "user__id",
    "user__email",
    "user__first_name",
    "user__last_name",
)


# A members list's order: by email, which is unique, so that a keyset page continues
# from the last email shown. The email index is read from either end when an org holds
# many of the platform's users; a small org's few members are sorted.
MEMBER_ORDER = Keyset(Membership, "user__email")


def members_of(org: Organization, *, search: str = "", mfa: str = "") -> QuerySet[Membership]:
    """The org's members with their users, by email; `search` matches name or email,
    `mfa` ("missing" or "enabled") keeps those without or with MFA.

    The org is not joined: `with_org` gives each row of a page the org already loaded,
    `team_names_of` the page's team names. On PostgreSQL, trigram indexes on the users'
    upper-cased email and names serve the search (accounts' migration 0004).
    """
    members = MEMBER_ORDER.ordered(
        Membership.objects.filter(organization=org).select_related("user").only(*MEMBER_ROW_FIELDS)
    )
    # A filter, not an annotation: as an annotation PostgreSQL may hash every
    # authenticator of the platform to flag one page (see `mark_mfa` instead).
    if mfa == "missing":
        members = members.filter(~has_mfa_annotation())
    elif mfa == "enabled":
        members = members.filter(has_mfa_annotation())
    for word in search.split()[:5]:
        members = members.filter(
            Q(user__email__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
        )
    return members


def with_org(memberships, org: Organization):
    """Give each membership of a page `org` as its organization, without a query."""
    for membership in memberships:
        membership.organization = org
    return memberships


def team_names_of(memberships) -> dict[int, list[str]]:
    """The team names of each of a page of memberships (default team first, then by
    name), in one statement of two columns written once per process: a prefetch would
    build a model and a related manager per row and team."""
    names: dict[int, list[str]] = {}
    for membership_id, name in statements.team_names([m.pk for m in memberships]):
        names.setdefault(membership_id, []).append(name)
    return names


def member_choices(org: Organization) -> QuerySet[Membership]:
    """Members one may pick (for a team or a workspace): the org's own, nobody else's."""
    return Membership.objects.filter(organization=org)


def team_members(team: Team) -> QuerySet[Membership]:
    return team.members.select_related("user").only(*MEMBER_ROW_FIELDS).order_by("user__email")


def workspace_members(workspace: Workspace) -> QuerySet[Membership]:
    return workspace.members.select_related("user").only(*MEMBER_ROW_FIELDS).order_by("user__email")


@dataclass
class TreeNode:
    """One unit of the structure tree, with its sub-units and workspaces."""

    unit: OrganizationalUnit | None
    depth: int = 0
    children: list["TreeNode"] = field(default_factory=list)
    workspaces: list[Workspace] = field(default_factory=list)

    def walk(self):
        """Depth-first (node) pairs, the root excluded, for flat rendering."""
        for child in self.children:
            yield child
            yield from child.walk()


def structure_tree(org: Organization) -> TreeNode:
    """The org's units and workspaces as a tree, in two queries however large it is."""
    units = list(OrganizationalUnit.objects.filter(organization=org).order_by("name"))
    workspaces = list(
        Workspace.objects.filter(organization=org)
        .annotate(member_count=Count("members"))
        .order_by("name")
    )
    root = TreeNode(unit=None, depth=-1)
    nodes = {unit.pk: TreeNode(unit=unit) for unit in units}
    for unit in units:
        parent = nodes.get(unit.parent_id, root)
        parent.children.append(nodes[unit.pk])
    for workspace in workspaces:
        nodes.get(workspace.unit_id, root).workspaces.append(workspace)

    def set_depth(node, depth):
        node.depth = depth
        for child in node.children:
            set_depth(child, depth + 1)

    for child in root.children:
        set_depth(child, 0)
    return root


def unit_choices(org: Organization) -> list[tuple[OrganizationalUnit, int]]:
    """(unit, depth) in tree order, for "inside unit" select boxes."""
    return [(node.unit, node.depth) for node in structure_tree(org).walk()]


@dataclass
class DeletionSummary:
    """What deleting an org takes with it: its descendants and the rows of all of them."""

    descendants: list[Organization]
    members: int
    teams: int
    units: int
    workspaces: int
    invitations: int | None = None
    devices: int | None = None

    def counts(self) -> dict[str, int]:
        counts = {
            "child_organizations": len(self.descendants),
            "members": self.members,
            "teams": self.teams,
            "organizational_units": self.units,
            "workspaces": self.workspaces,
        }
        if self.invitations is not None:
            counts["invitations"] = self.invitations
        if self.devices is not None:
            counts["devices"] = self.devices
        return counts

    def rows(self) -> list[tuple[str, int]]:
        return [(label.replace("_", " ").capitalize(), n) for label, n in self.counts().items()]


def descendants_of(org: Organization) -> list[Organization]:
    """Every child org below `org`, children of children included (one query a level)."""
    found: list[Organization] = []
    level = [org.pk]
    while level:
        children = list(Organization.objects.filter(parent_id__in=level).order_by("name"))
        found.extend(children)
        level = [child.pk for child in children]
    return found


def _reverse_count(relation: str, org_ids: list[int]) -> int | None:
    """Rows of a reverse relation named `relation` on Organization, if another app adds it."""
    try:
        related = Organization._meta.get_field(relation)
    except FieldDoesNotExist:
        return None
    if not related.auto_created or related.concrete:
        return None
    return related.related_model._default_manager.filter(
        **{f"{related.field.name}__in": org_ids}
    ).count()


def deletion_summary(org: Organization) -> DeletionSummary:
    """Counts of what deleting `org` deletes, its child orgs included."""
    descendants = descendants_of(org)
    ids = [org.pk, *(child.pk for child in descendants)]
    return DeletionSummary(
        descendants=descendants,
        members=Membership.objects.filter(organization_id__in=ids).count(),
        teams=Team.objects.filter(organization_id__in=ids).count(),
        units=OrganizationalUnit.objects.filter(organization_id__in=ids).count(),
        workspaces=Workspace.objects.filter(organization_id__in=ids).count(),
        invitations=_reverse_count("invitations", ids),
        devices=_reverse_count("devices", ids),
    )


def platform_admins():
    """Active staff who may approve organization requests (superusers included)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    perm = Permission.objects.filter(
        content_type__app_label="organizations", codename="approve_organization"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True) | Q(user_permissions__in=perm) | Q(groups__permissions__in=perm)
        )
        .distinct()
        .order_by("email")
    )


def approval_queue() -> QuerySet[Organization]:
    """Pending organization requests, oldest first, with their requester."""
    return (
        Organization.objects.filter(status=Organization.Status.PENDING)
        .select_related("created_by")
        .order_by(Coalesce("submitted_at", "created_at"), "pk")
    )


REQUEST_HISTORY_LIMIT = 50


def approval_request(public_id: str) -> dict | None:
    """One organization request for the staff's detail page: the org, its requester's
    account, the requester's other organizations and the org's history (newest first)."""
    org = (
        Organization.objects.filter(public_id=public_id)
        .select_related("created_by", "reviewed_by", "suspended_by", "parent")
        .first()
    )
    if org is None:
        return None
    requester = org.created_by
    return {
        "request_org": org,
        "requester": requester,
        "requester_verified": EmailAddress.objects.filter(
            user=requester, email__iexact=requester.email, verified=True
        ).exists(),
        "requester_orgs": list(
            Organization.objects.filter(created_by=requester)
            .exclude(pk=org.pk)
            .order_by("-created_at")
            .only("public_id", "name", "display_name", "status", "created_at")[:10]
        ),
        "requester_org_count": Organization.objects.filter(created_by=requester)
        .exclude(pk=org.pk)
        .count(),
        "history": list(
            AuditEvent.objects.filter(organization=org)
            .order_by("-created_at", "-id")
            .only("action", "actor_email", "target", "detail", "created_at")[:REQUEST_HISTORY_LIMIT]
        ),
    }


def pending_request_count() -> int:
    return Organization.objects.filter(status=Organization.Status.PENDING).count()


def mark_mfa(memberships) -> None:
    """Set `user_has_mfa` on each of a page of memberships: one query on their users."""
    memberships = list(memberships)
    with_mfa = statements.users_with_mfa({m.user_id for m in memberships})
    for membership in memberships:
        membership.user_has_mfa = membership.user_id in with_mfa


def members_without_mfa(org: Organization) -> QuerySet[Membership]:
    """The org's members who have not set up two-factor authentication."""
    return members_of(org, mfa="missing")


def members_outside_domains(org: Organization, domains: Sequence[str]) -> QuerySet[Membership]:
    """The org's members whose address is at none of `domains` (none when it is empty);
    the same rule as `security.domain_allowed`, in SQL."""
    if not domains:
        return Membership.objects.none()
    inside = Q()
    for domain in domains:
        inside |= Q(user__email__iendswith=f"@{domain}") | Q(user__email__iendswith=f".{domain}")
    return (
        Membership.objects.filter(organization=org)
        .exclude(inside)
        .select_related("user")
        .order_by("user__email")
    )

"""The one extension point of `organizations`: apps above it plug in here.

`organizations` imports none of the apps that build on it (invitations, billing, the
API). It knows nothing of their models, fields or statuses; instead each app
registers what it contributes, from its `AppConfig.ready()`:

Seat holders — `register_seat_holder(name, held_count=..., annotation=...)`
    Something outside `organizations` that holds seats of an org's pool (a pending
    invitation holds a user seat until it ends). `held_count(org)` returns how many
    seats of `resource` the app holds in `org`'s pool now; `annotation()` returns an
    integer expression for an `Organization` queryset (use `OuterRef("pk")`, never
    NULL: wrap it in `Coalesce(..., 0)`) counting the same thing, so list pages
    annotate every org in one query. `organizations.seats` adds up every registered
    holder; it must be called under the pool's lock to act on the answer.
    Optionally `held_counts(org_ids)` returns `{org_id: seats}` for a page of orgs in
    one grouped query: a list of child orgs uses it rather than the annotation, whose
    correlated subquery the planner may run as a scan per row. Optionally too,
    `held_statement(org_id)` returns `(sql, params)`: a scalar SQL query (text written
    once per process, `%s` placeholders) counting what `held_count` counts, which
    `seats` runs inside the statement that counts the pool's own seats, so an org page
    asks the database once for its seats.

On-member-removed handlers — `register_member_removed(name, handler)`
    `handler(*, org, user, actor, ip_address)` runs inside the transaction that
    removes `user` from `org`, after the membership is gone and with the org's row
    locked. It cleans up what the app keeps for that person (the invitations app
    revokes their open invitations, with an audit row each) and returns a small
    JSON-able dict, merged into the detail of the `member.remove` audit row (the
    invitations app returns `{"invitations_revoked": n}`). An exception rolls the
    removal back.

The owner inviter — `register_owner_inviter(func)`
    `func(*, org, inviter, email, ip_address)` invites `email` as an owner of a new
    org; without it, an owner's address must belong to an existing account.

Seat guards — `register_seat_guard(name, guard)`
    `guard(*, pool, resource, count)` runs whenever `count` new seats of `resource` are
    asked of `pool` (an invitation, a device, a group's allotment), under the pool's
    lock, before the count. It raises `seats.SeatLimitExceeded` (or another
    `OrganizationError`) to refuse them for a reason of its own (billing: a payment
    past due beyond the grace period), and returns None otherwise.

Child guards — `register_child_guard(name, guard)`
    `guard(*, parent, kind)` runs under `parent`'s lock before a child org of `kind`
    ("group" or "customer") is created; it raises `NotAllowed` to refuse (billing: the
    parent's plan has no child organizations).

Per-request org state — `register_access_annotation(name, factory)`
    Something every org page needs about the current user in the current org (a
    billing past-due flag, whether the org's security policy is met). `factory(*,
    user, org_ref)` returns an expression evaluated on the row that loads the user's
    access (`org_ref` names the org's id on that row: use `OuterRef(org_ref)` in a
    subquery), so the value rides on the query every org page makes anyway and costs
    no query of its own. It reaches the view as `self.access.state[name]` and
    templates as `org_access.state.<name>`. While any is registered the access lookup
    is built as a queryset on every request (only the ORM compiles the expressions),
    instead of the statement written once per process (`organizations/statements.py`).

Access checks — `register_access_check(name, check)`
    `check(request, access)` runs on every org page after the role check, with the
    access loaded (its `state` included); it returns None to let the request through,
    or a response (e.g. a redirect to set up two-factor authentication), or raises
    PermissionDenied. It must not query: read what it needs from `access.state`.

Member list links — `register_member_list_link(name, link)`
    A link the members page shows beside "Invite members" (the sso app: "Join
    requests" with the number pending). `link(*, org, membership)` returns a
    `MemberListLink(label, url, count=None, testid="")`, or None to show nothing for
    this viewer (e.g. their role may not act on it). It runs on every members page,
    after the role check: at most one query, and none when it returns None for the
    viewer's role. `count`, when given, is shown as a badge.

Periodic sweeps are not registered here: the sweep runs in `notifications`, which
sits below `organizations` and may not import it, so each app names its sweep job
in `settings.ORGPORTAL_SWEEP_HOOKS` (e.g. `invitations.services.expire_invitations`).

Machine actors — nothing to register
    A service's `actor` may be a program holding a token rather than a user: an
    `organizations.actors.MachineActor` (an API client, a SCIM token). It says which
    orgs it reaches, with which role and which actions; `selectors.access_to` turns
    that into an unsaved Membership and the rights are then checked as for a user.
    The audit log records its `label` as the event's `actor_label`.

Registering again under the same name replaces the earlier entry (so `ready()` may
run twice); `unregister_*` removes it, and the registry behaves as if the app were
not installed. Billing plugs in the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import IntegerField, Value

USERS = "users"  # the resources of `organizations.seats`
DEVICES = "devices"


@dataclass(frozen=True)
class SeatHolder:
    name: str
    resource: str
    held_count: Callable
    annotation: Callable
    held_counts: Callable | None = None
    held_statement: Callable | None = None


_seat_holders: dict[str, SeatHolder] = {}
_member_removed: dict[str, Callable] = {}
_access_annotations: dict[str, Callable] = {}
_access_checks: dict[str, Callable] = {}
_owner_inviter: Callable | None = None
_seat_guards: dict[str, Callable] = {}
_child_guards: dict[str, Callable] = {}
_member_list_links: dict[str, Callable] = {}


@dataclass(frozen=True)
class MemberListLink:
    """A link of another app on the members page: its text, where it goes, a badge count."""

    label: str
    url: str
    count: int | None = None
    testid: str = ""


def register_seat_holder(
    name: str,
    *,
    held_count: Callable,
    annotation: Callable,
    resource: str = USERS,
    held_counts: Callable | None = None,
    held_statement: Callable | None = None,
) -> None:
    """Count seats of `resource` that app `name` holds: see the module's contract."""
    if resource not in (USERS, DEVICES):
        raise ValueError(f"not a seat resource: {resource}")
    _seat_holders[name] = SeatHolder(
        name, resource, held_count, annotation, held_counts, held_statement
    )


def unregister_seat_holder(name: str) -> None:
    _seat_holders.pop(name, None)


def seat_holders(resource: str = USERS) -> list[SeatHolder]:
    return [holder for holder in _seat_holders.values() if holder.resource == resource]


def held_seats(org, resource: str = USERS) -> int:
    """Seats of `resource` in `org`'s pool held by the registered apps."""
    return sum(holder.held_count(org) for holder in seat_holders(resource))


def held_seats_annotation(resource: str = USERS):
    """An expression for Organization querysets: the seats the registered apps hold."""
    total = None
    for holder in seat_holders(resource):
        expression = holder.annotation()
        total = expression if total is None else total + expression
    return Value(0, output_field=IntegerField()) if total is None else total


def held_seats_by_org(org_ids, resource: str = USERS, holders=None) -> dict[int, int]:
    """`{org_id: seats the registered apps hold}` for a page of orgs: one query a holder
    (of `holders` when given, else of every holder of `resource`)."""
    from .models import Organization

    org_ids = list(org_ids)
    totals = dict.fromkeys(org_ids, 0)
    if not org_ids:
        return totals
    for holder in seat_holders(resource) if holders is None else holders:
        if holder.held_counts is not None:
            counts = holder.held_counts(org_ids)
        else:
            counts = dict(
                Organization.objects.filter(pk__in=org_ids)
                .annotate(held=holder.annotation())
                .values_list("pk", "held")
            )
        for org_id, held in counts.items():
            if org_id in totals:
                totals[org_id] += held
    return totals


def register_member_removed(name: str, handler: Callable) -> None:
    """Run `handler(*, org, user, actor, ip_address)` when a member is removed."""
    _member_removed[name] = handler


def unregister_member_removed(name: str) -> None:
    _member_removed.pop(name, None)


def member_removed(*, org, user, actor, ip_address: str | None = None) -> dict:
    """Run every on-member-removed handler; their results merged, for the audit row."""
    detail: dict = {}
    for handler in list(_member_removed.values()):
        detail.update(handler(org=org, user=user, actor=actor, ip_address=ip_address) or {})
    return detail


def register_access_annotation(name: str, factory: Callable) -> None:
    """Load `factory(*, user, org_ref)` with the user's access on every org page."""
    _access_annotations[name] = factory


def unregister_access_annotation(name: str) -> None:
    _access_annotations.pop(name, None)


def has_access_annotations() -> bool:
    """Whether any app registered a per-request value (the access lookup then needs the ORM)."""
    return bool(_access_annotations)


def access_annotations(user, org_ref: str) -> dict:
    """The registered per-request values, as annotations for the access query."""
    return {
        f"{ACCESS_STATE_PREFIX}{name}": factory(user=user, org_ref=org_ref)
        for name, factory in _access_annotations.items()
    }


def access_state(row) -> dict:
    """The registered per-request values read back from a row the access query loaded."""
    return {
        name: getattr(row, f"{ACCESS_STATE_PREFIX}{name}", None) for name in _access_annotations
    }


ACCESS_STATE_PREFIX = "access_state_"


def register_access_check(name: str, check: Callable) -> None:
    """Run `check(request, access)` on every org page, after the role check."""
    _access_checks[name] = check


def unregister_access_check(name: str) -> None:
    _access_checks.pop(name, None)


def access_checks() -> list[Callable]:
    return list(_access_checks.values())


def register_owner_inviter(func: Callable) -> None:
    """`func(*, org, inviter, email, ip_address)` invites `email` as an owner of `org`."""
    global _owner_inviter
    _owner_inviter = func


def owner_inviter() -> Callable | None:
    return _owner_inviter


def register_seat_guard(name: str, guard: Callable) -> None:
    """Run `guard(*, pool, resource, count)` before new seats are taken from a pool."""
    _seat_guards[name] = guard


def unregister_seat_guard(name: str) -> None:
    _seat_guards.pop(name, None)


def guard_new_seats(*, pool, resource: str, count: int) -> None:
    """Every seat guard's say on `count` new seats of `resource` in `pool`; raises to refuse."""
    for guard in list(_seat_guards.values()):
        guard(pool=pool, resource=resource, count=count)


def register_child_guard(name: str, guard: Callable) -> None:
    """Run `guard(*, parent, kind)` before a child org of `kind` is created under `parent`."""
    _child_guards[name] = guard


def unregister_child_guard(name: str) -> None:
    _child_guards.pop(name, None)


def guard_new_child(*, parent, kind: str) -> None:
    """Every child guard's say on a new child of `kind` under `parent`; raises to refuse."""
    for guard in list(_child_guards.values()):
        guard(parent=parent, kind=kind)


def register_member_list_link(name: str, link: Callable) -> None:
    """Show `link(*, org, membership)`'s `MemberListLink` (or nothing) on the members page."""
    _member_list_links[name] = link


def unregister_member_list_link(name: str) -> None:
    _member_list_links.pop(name, None)


def member_list_links(*, org, membership) -> list[MemberListLink]:
    """The registered apps' links for `membership`'s view of `org`'s members page."""
    links = []
    for link in list(_member_list_links.values()):
        found = link(org=org, membership=membership)
        if found is not None:
            links.append(found)
    return links

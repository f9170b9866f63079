"""The life of an organization: create, edit, seat limits, add a member, delete.

Views, admin actions, tasks and commands call these; they never repeat a rule.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import permissions, seats
from ..actors import acting_user
from ..audit import record_event
from ..errors import NotAllowed, OrganizationError
from ..models import GovernanceSettings, Membership, Organization, Team
from ..selectors import deletion_summary
from ..validators import NAME_MAX_LENGTH
from ._common import authorize, lock_and_authorize
from .security import check_email_allowed

DEFAULT_TEAM_NAME = "Everyone"

EDITABLE_FIELDS = (
    "display_name",
    "name",
    "org_type",
    "primary_email",
    "logo_url",
    "primary_color",
    "page_background_color",
    "metadata",
)


def suggest_org_name(display_name: str) -> str:
    """A valid `name` derived from a display name: `Acme Labs, Inc.` → `acme-labs-inc`."""
    ascii_text = (
        unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode("ascii")
    )
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_text.lower()).strip("-_")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug[:NAME_MAX_LENGTH].rstrip("-_")


def _name_taken_error() -> ValidationError:
    return ValidationError(
        {"name": ValidationError("This name is taken. Choose another one.", code="name_taken")}
    )


def _save_validated(org: Organization) -> None:
    """full_clean then save; a unique name lost to a concurrent request is `name_taken`."""
    org.full_clean()
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:
        if Organization.objects.filter(name=org.name).exclude(pk=org.pk).exists():
            raise _name_taken_error() from exc
        raise


def _build_standard_organization(
    *,
    creator,
    display_name: str,
    name: str,
    org_type: str,
    primary_email: str,
    status: str,
    owner,
    submitted_at=None,
    profile: dict | None = None,
) -> Organization:
    """Save a standard org with governance's seat limits and its default team.

    `owner` (when given) becomes its first owner and joins the default team.
    `profile` sets more of the `EDITABLE_FIELDS` (branding, metadata) at once.
    """
    governance = GovernanceSettings.get_solo()
    display_name = display_name.strip()
    org = Organization(
        display_name=display_name,
        name=(name or suggest_org_name(display_name)).strip(),
        org_type=org_type,
        primary_email=primary_email,
        kind=Organization.Kind.STANDARD,
        status=status,
        created_by=creator,
        user_seat_limit=governance.default_user_seat_limit,
        device_seat_limit=governance.default_device_seat_limit,
        submitted_at=submitted_at,
    )
    for field, value in (profile or {}).items():
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"not an editable field: {field}")
        setattr(org, field, value)
    _save_validated(org)
    team = Team.objects.create(organization=org, name=DEFAULT_TEAM_NAME, is_default=True)
    if owner is not None:
        membership = Membership.objects.create(
            organization=org, user=owner, role=Membership.Role.OWNER
        )
        team.members.add(membership)
    return org


@transaction.atomic
def create_organization(
    *,
    creator,
    display_name: str,
    name: str = "",
    org_type: str = "",
    primary_email: str = "",
    ip_address: str | None = None,
) -> Organization:
    """A user registers a standard org they own, with its default team.

    Governance decides whether they may, and whether the org is active at once
    (auto-approve) or a pending request in the approval queue; staff's own orgs are
    active at once.
    """
    from .approvals import _submit_request

    blocked = permissions.create_blocked_reason(creator)
    if blocked is not None:
        code, message = blocked
        raise NotAllowed(message, code=code)
    governance = GovernanceSettings.get_solo()
    needs_approval = not (governance.auto_approve or creator.is_staff)
    org = _build_standard_organization(
        creator=creator,
        display_name=display_name,
        name=name,
        org_type=org_type,
        primary_email=primary_email,
        status=Organization.Status.PENDING if needs_approval else Organization.Status.ACTIVE,
        owner=creator,
        submitted_at=timezone.now() if needs_approval else None,
    )
    record_event(
        org=org,
        actor=creator,
        action="org.create",
        target=org.name,
        detail={"display_name": org.display_name, "status": org.status},
        ip_address=ip_address,
    )
    if needs_approval:
        _submit_request(org=org, actor=creator, ip_address=ip_address)
    return org


@transaction.atomic
def create_unowned_organization(
    *,
    actor,
    display_name: str,
    name: str = "",
    logo_url: str = "",
    primary_color: str = "",
    page_background_color: str = "",
    metadata: dict | None = None,
    ip_address: str | None = None,
) -> Organization:
    """A platform-wide actor creates an active org with no members yet.

    Auth0's `POST /organizations`: a platform API client (or staff who may create
    organizations for others) makes the org; members are added or invited next. Its
    `created_by` is the person answerable for the actor, who is not made a member.
    """
    authorize(actor, permissions.ServiceAction.CREATE_FOR_OTHERS)
    org = _build_standard_organization(
        creator=acting_user(actor),
        display_name=display_name,
        name=name,
        org_type="",
        primary_email="",
        status=Organization.Status.ACTIVE,
        owner=None,
        profile={
            "logo_url": logo_url,
            "primary_color": primary_color,
            "page_background_color": page_background_color,
            "metadata": metadata or {},
        },
    )
    record_event(
        org=org,
        actor=actor,
        action="org.create",
        target=org.name,
        detail={"display_name": org.display_name, "status": org.status, "members": 0},
        ip_address=ip_address,
    )
    return org


@transaction.atomic
def update_organization(
    *,
    org: Organization,
    actor,
    display_name: str | None = None,
    name: str | None = None,
    org_type: str | None = None,
    primary_email: str | None = None,
    logo_url: str | None = None,
    primary_color: str | None = None,
    page_background_color: str | None = None,
    metadata: dict | None = None,
    ip_address: str | None = None,
) -> Organization:
    """Change the editable fields of `org` given (None leaves a field as it is).

    Its owners and admins may, and platform staff with the change permission.
    """
    org, _ = lock_and_authorize(org, actor, permissions.Action.EDIT)
    given = {
        "display_name": display_name,
        "name": name,
        "org_type": org_type,
        "primary_email": primary_email,
        "logo_url": logo_url,
        "primary_color": primary_color,
        "page_background_color": page_background_color,
        "metadata": metadata,
    }
    changed = {}
    for field, value in given.items():
        if value is None:
            continue
        old = getattr(org, field)
        if old != value:
            changed[field] = {"from": old, "to": value}
            setattr(org, field, value)
    if not changed:
        return org
    _save_validated(org)
    record_event(
        org=org,
        actor=actor,
        action="org.edit",
        target=org.name,
        detail={"changed": changed},
        ip_address=ip_address,
    )
    return org


@transaction.atomic
def set_seat_limits(
    *,
    org: Organization,
    actor,
    user_seat_limit: int,
    device_seat_limit: int,
    ip_address: str | None = None,
) -> Organization:
    """Platform staff with the seat-limits permission (later: billing) set an org's limits."""
    org, _ = lock_and_authorize(org, actor, permissions.ServiceAction.SET_SEAT_LIMITS)
    changed = {}
    for field, value in (
        ("user_seat_limit", user_seat_limit),
        ("device_seat_limit", device_seat_limit),
    ):
        if getattr(org, field) != value:
            changed[field] = {"from": getattr(org, field), "to": value}
            setattr(org, field, value)
    if changed:
        org.save(update_fields=[*changed, "updated_at"])
        record_event(
            org=org,
            actor=actor,
            action="org.seat_limits",
            target=org.name,
            detail={"changed": changed},
            ip_address=ip_address,
        )
    return org


@transaction.atomic
def add_member(
    *,
    org: Organization,
    user,
    role: str = Membership.Role.MEMBER,
    actor,
    ip_address: str | None = None,
    seat_is_held: bool = False,
    event: str = "member.add",
    detail: dict | None = None,
    email: str = "",
) -> Membership:
    """Make `user` a member of `org` with `role`, taking a user seat; joins the default team.

    `actor` must manage members and may give `role` (only owners add owners).
    `seat_is_held` is for the one joining on a seat already held for them (an accepted
    invitation, checked by its app): then `actor` is `user` and only the members must
    fit under the limit. `email` is the address joining (the invited one), by default
    the user's; the org's allowed email domains must include it.
    """
    if seat_is_held:
        if actor is None or actor.pk != user.pk:
            raise NotAllowed("Only the invited person joins on a held seat.", code="not_allowed")
        seats.take_held_user_seat(org)
    else:
        org, actor_membership = lock_and_authorize(org, actor, permissions.Action.MANAGE_MEMBERS)
        if role not in permissions.assignable_roles(actor_membership):
            raise NotAllowed("Only owners add owners.", code="owner_only")
        seats.take_user_seat(org)
    if Membership.objects.filter(organization=org, user=user).exists():
        raise OrganizationError(f"{user.email} is already a member.", code="already_member")
    check_email_allowed(org, email or user.email)
    membership = Membership.objects.create(organization=org, user=user, role=role)
    default_team = org.teams.filter(is_default=True).first()
    if default_team is not None:
        default_team.members.add(membership)
    record_event(
        org=org,
        actor=actor,
        action=event,
        target=user.email,
        detail={"role": role, **(detail or {})},
        ip_address=ip_address,
    )
    return membership


@transaction.atomic
def delete_organization(
    *, org: Organization, actor, confirm_name: str, ip_address: str | None = None
) -> None:
    """Delete `org` with everything that belongs to it, its child orgs included.

    Only an owner may, and only after typing the org's name. The audit events stay
    (their org link is cleared; the name and id were copied in when they were written).
    """
    org, _ = lock_and_authorize(org, actor, permissions.Action.DELETE)
    if (confirm_name or "").strip() != org.name:
        raise OrganizationError(
            f"Type the organization's name, {org.name}, to confirm.", code="name_mismatch"
        )
    summary = deletion_summary(org)
    descendants = summary.descendants
    if org.status in (Organization.Status.PENDING, Organization.Status.REJECTED):
        # A request that was never approved: its owner withdraws it.
        record_event(
            org=org,
            actor=actor,
            action="org.withdraw",
            target=org.name,
            detail={"display_name": org.display_name, "status": org.status},
            ip_address=ip_address,
        )
    for child in descendants:
        record_event(
            org=child,
            actor=actor,
            action="org.delete",
            target=child.name,
            detail={"display_name": child.display_name, "deleted_with": org.name},
            ip_address=ip_address,
        )
    record_event(
        org=org,
        actor=actor,
        action="org.delete",
        target=org.name,
        detail={
            "display_name": org.display_name,
            "deleted": summary.counts(),
            "child_organizations": [child.name for child in descendants],
        },
        ip_address=ip_address,
    )
    org.delete()

"""SCIM provisioning's use cases: the org's token, and the users and teams it manages.

Every change goes through the organizations services (`add_member`, `remove_member`,
`create_team`, ...), which lock the org's row and check the actor's rights under the
lock: for the SCIM API the actor is the token (`scim.actors.ScimActor`), for the
Provisioning tab the signed-in owner. Seats are taken by `add_member` (the seats
module), so a provider cannot add more people than the org has seats for.
"""

import uuid

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations import services as org_services
from organizations.audit import record_event
from organizations.errors import OrganizationError
from organizations.models import Membership, Organization, Team
from organizations.permissions import Action
from organizations.services._common import lock_and_authorize

from .models import ScimToken, ScimUser
from .tokens import SHOWN_PREFIX_LENGTH, generate_token

NAME_MAX_LENGTH = 150


class Conflict(OrganizationError):
    """The resource exists already (SCIM's `uniqueness`)."""

    code = "uniqueness"


# The token ---------------------------------------------------------------------------


def _new_token(org: Organization, actor) -> tuple[ScimToken, str]:
    raw, token_hash = generate_token()
    token = ScimToken.objects.create(
        organization=org,
        token_hash=token_hash,
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return token, raw


def _live_token(org: Organization) -> ScimToken | None:
    return ScimToken.objects.filter(organization=org, revoked_at__isnull=True).first()


@transaction.atomic
def create_token(
    *, org: Organization, actor, ip_address: str | None = None
) -> tuple[ScimToken, str]:
    """Create `org`'s SCIM token; returns it with the secret, shown this once."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_PROVISIONING)
    if _live_token(org) is not None:
        raise OrganizationError(
            "The organization has a SCIM token already: rotate it to get a new one.",
            code="token_exists",
        )
    token, raw = _new_token(org, actor)
    record_event(
        org=org, actor=actor, action="scim.token_create", target=token.label, ip_address=ip_address
    )
    return token, raw


@transaction.atomic
def rotate_token(
    *, org: Organization, actor, token: ScimToken, ip_address: str | None = None
) -> tuple[ScimToken, str]:
    """Revoke `token` and create its successor; the old one stops working at once."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_PROVISIONING)
    old = _live_token(org)
    if old is None or old.pk != token.pk:
        raise OrganizationError("This token is no longer in use.", code="token_gone")
    old.revoked_at = timezone.now()
    old.save(update_fields=["revoked_at"])
    new, raw = _new_token(org, actor)
    record_event(
        org=org,
        actor=actor,
        action="scim.token_rotate",
        target=new.label,
        detail={"revoked": old.label},
        ip_address=ip_address,
    )
    return new, raw


@transaction.atomic
def revoke_token(
    *, org: Organization, actor, token: ScimToken, ip_address: str | None = None
) -> None:
    """Revoke `token`: the identity provider's next request is refused."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_PROVISIONING)
    old = _live_token(org)
    if old is None or old.pk != token.pk:
        raise OrganizationError("This token is no longer in use.", code="token_gone")
    old.revoked_at = timezone.now()
    old.save(update_fields=["revoked_at"])
    record_event(
        org=org, actor=actor, action="scim.token_revoke", target=old.label, ip_address=ip_address
    )


# Users -------------------------------------------------------------------------------


def clean_email(user_name: str) -> str:
    """A SCIM userName is the person's email address: the portal's accounts have no other."""
    email = (user_name or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(
            "userName must be the person's email address.", code="invalid_email"
        ) from exc
    return email


def _clean_name(value: str | None) -> str | None:
    return None if value is None else value.strip()[:NAME_MAX_LENGTH]


def _find_or_create_user(email: str, *, given_name: str, family_name: str):
    """The account with `email`, or a new one without a usable password."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, first_name=given_name or "", last_name=family_name or ""
            )
    except IntegrityError:
        # Another org's provider created the same person a moment ago.
        return User.objects.get(email__iexact=email)
    # The provider vouches for the address only to the org: the person proves it
    # themselves (password reset or sign-in) before it counts as verified.
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def _membership(org: Organization, user) -> Membership | None:
    return Membership.objects.filter(organization=org, user=user).select_related("user").first()


@transaction.atomic
def provision_user(
    *,
    org: Organization,
    actor,
    user_name: str,
    given_name: str = "",
    family_name: str = "",
    external_id: str = "",
    active: bool = True,
    ip_address: str | None = None,
) -> ScimUser:
    """Create the SCIM User: find or create the account, and make it a member (a seat).

    Someone who is a member already (added by hand or invited) is taken over as is.
    """
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_MEMBERS)
    email = clean_email(user_name)
    given_name, family_name = _clean_name(given_name) or "", _clean_name(family_name) or ""
    existing = ScimUser.objects.filter(organization=org, user__email__iexact=email).first()
    if existing is not None:
        raise Conflict(f"{email} is provisioned already.")
    user = _find_or_create_user(email, given_name=given_name, family_name=family_name)
    if active and _membership(org, user) is None:
        org_services.add_member(
            org=org,
            user=user,
            role=Membership.Role.MEMBER,
            actor=actor,
            ip_address=ip_address,
            detail={"via": "scim"},
        )
    scim_user = ScimUser.objects.create(organization=org, user=user, external_id=external_id)
    record_event(
        org=org,
        actor=actor,
        action="scim.user_provision",
        target=email,
        detail={"active": active, "scim_id": str(scim_user.scim_id)},
        ip_address=ip_address,
    )
    return scim_user


@transaction.atomic
def update_user(
    *,
    org: Organization,
    actor,
    scim_user: ScimUser,
    given_name: str | None = None,
    family_name: str | None = None,
    external_id: str | None = None,
    active: bool | None = None,
    ip_address: str | None = None,
) -> ScimUser:
    """Change a provisioned user's name, external id or `active` (None: leave it).

    `active=False` removes the membership: the person's access ends with their next
    request. `active=True` makes them a member again, taking a seat.
    """
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_MEMBERS)
    scim_user = ScimUser.objects.select_related("user").get(organization=org, pk=scim_user.pk)
    user = scim_user.user
    membership = _membership(org, user)
    if active is False and membership is not None:
        org_services.remove_member(
            org=org, actor=actor, membership=membership, ip_address=ip_address
        )
        membership = None
    elif active is True and membership is None:
        membership = org_services.add_member(
            org=org,
            user=user,
            role=Membership.Role.MEMBER,
            actor=actor,
            ip_address=ip_address,
            detail={"via": "scim"},
        )
    given_name, family_name = _clean_name(given_name), _clean_name(family_name)
    names_changed = (given_name is not None and given_name != user.first_name) or (
        family_name is not None and family_name != user.last_name
    )
    # Names are the person's own account: the org's provider changes them only while
    # the person is its member.
    if names_changed and membership is not None:
        org_services.update_member_name(
            org=org,
            actor=actor,
            membership=membership,
            first_name=user.first_name if given_name is None else given_name,
            last_name=user.last_name if family_name is None else family_name,
            ip_address=ip_address,
        )
    if external_id is not None and external_id != scim_user.external_id:
        scim_user.external_id = external_id
    scim_user.save()
    scim_user.user.refresh_from_db()
    return scim_user


@transaction.atomic
def delete_user(
    *, org: Organization, actor, scim_user: ScimUser, ip_address: str | None = None
) -> None:
    """Delete the SCIM User: the membership (if any) goes, the account stays."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_MEMBERS)
    scim_user = ScimUser.objects.select_related("user").get(organization=org, pk=scim_user.pk)
    membership = _membership(org, scim_user.user)
    if membership is not None:
        org_services.remove_member(
            org=org, actor=actor, membership=membership, ip_address=ip_address
        )
    email, scim_id = scim_user.user.email, str(scim_user.scim_id)
    scim_user.delete()
    record_event(
        org=org,
        actor=actor,
        action="scim.user_delete",
        target=email,
        detail={"scim_id": scim_id},
        ip_address=ip_address,
    )


# Groups (teams) ----------------------------------------------------------------------


def members_for(org: Organization, scim_ids) -> list[Membership]:
    """The memberships behind SCIM user ids; an unknown or deactivated id is refused."""
    wanted = [str(value) for value in scim_ids]
    if not wanted:
        return []
    scim_users = ScimUser.objects.filter(organization=org, scim_id__in=_valid_uuids(wanted))
    user_ids = {str(s.scim_id): s.user_id for s in scim_users}
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(
            organization=org, user_id__in=user_ids.values()
        ).select_related("user")
    }
    found = []
    for value in wanted:
        membership = memberships.get(user_ids.get(value))
        if membership is None:
            raise ValidationError(
                f"{value} is no active user of this organization.", code="unknown_member"
            )
        found.append(membership)
    return found


def _valid_uuids(values) -> list[str]:
    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


@transaction.atomic
def create_group(
    *,
    org: Organization,
    actor,
    display_name: str,
    member_ids=(),
    ip_address: str | None = None,
) -> Team:
    """Create a team with its first members; all of it happens, or none."""
    team = org_services.create_team(org=org, actor=actor, name=display_name, ip_address=ip_address)
    change_group_members(org=org, actor=actor, team=team, add=member_ids, ip_address=ip_address)
    return team


@transaction.atomic
def change_group_members(
    *,
    org: Organization,
    actor,
    team: Team,
    add=(),
    remove=(),
    replace=None,
    ip_address: str | None = None,
) -> None:
    """Add and remove team members by SCIM user id; `replace` sets the whole list.

    Adding someone already in the team, or removing someone who is not, changes
    nothing (providers repeat themselves).
    """
    current = set(team.members.values_list("pk", flat=True))
    to_add = members_for(org, add)
    to_remove = members_for(org, remove)
    if replace is not None:
        wanted = members_for(org, replace)
        wanted_ids = {m.pk for m in wanted}
        to_add += wanted
        to_remove += list(team.members.exclude(pk__in=wanted_ids).select_related("user"))
    for membership in to_remove:
        if membership.pk in current:
            org_services.remove_team_member(
                org=org, actor=actor, team=team, membership=membership, ip_address=ip_address
            )
            current.discard(membership.pk)
    for membership in to_add:
        if membership.pk not in current:
            org_services.add_team_member(
                org=org, actor=actor, team=team, membership=membership, ip_address=ip_address
            )
            current.add(membership.pk)

"""Inviting: invite one or many addresses, resend, revoke, expire."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from organizations import seats
from organizations.actors import is_machine
from organizations.audit import record_event
from organizations.errors import OrganizationError
from organizations.models import GovernanceSettings, Membership, Organization
from organizations.services import check_email_allowed

from ..errors import AlreadyInvited, AlreadyMember, InvalidAddress, InvitationError
from ..models import Invitation
from ._common import (
    EMAIL_MAX_LENGTH,
    MAX_ADDRESSES_PER_REQUEST,
    check_resend_limits,
    close_invitation,
    is_member,
    issue_and_send,
    normalize_email,
    require_can_invite,
    require_org_can_invite,
)

# --- invite --------------------------------------------------------------------------


@transaction.atomic
def invite_member(
    *,
    org: Organization,
    inviter,
    email: str,
    role: str = Membership.Role.MEMBER,
    first_name: str = "",
    last_name: str = "",
    ip_address: str | None = None,
    inviter_name: str = "",
    send_email: bool = True,
    lifetime: timedelta | None = None,
) -> Invitation:
    """Invite `email` to `org` as `role`; the invitation holds a user seat until it ends.

    `inviter_name` names the inviter in the email (an API client's `inviter.name`);
    with `send_email` False no email goes out and the caller delivers `invitation.link`;
    `lifetime` shortens the governance's invitation lifetime.
    """
    return _invite(
        org=org,
        inviter=inviter,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        ip_address=ip_address,
        check_role=True,
        inviter_name=inviter_name,
        send_email=send_email,
        lifetime=lifetime,
    )


@transaction.atomic
def invite_owner(*, org: Organization, inviter, email: str, ip_address: str | None = None):
    """Invite the admin email of a new child organization as its owner.

    `create_child_organization` has already checked that `inviter` manages the parent;
    naming the new org's owner is part of creating it, so the owners-invite-owners rule
    of an existing org does not apply.
    """
    return _invite(
        org=org,
        inviter=inviter,
        email=email,
        role=Membership.Role.OWNER,
        ip_address=ip_address,
        check_role=False,
    )


def _invite(
    *,
    org: Organization,
    inviter,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    ip_address: str | None = None,
    check_role: bool,
    inviter_name: str = "",
    send_email: bool = True,
    lifetime: timedelta | None = None,
) -> Invitation:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidAddress(f"“{email}” is not a valid email address.") from exc
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidAddress(
            f"“{email[:40]}…” is too long for an email address "
            f"(at most {EMAIL_MAX_LENGTH} characters)."
        )
    if role not in Membership.Role.values:
        raise InvitationError(f"Unknown role “{role}”.", code="invalid_role")
    pool = seats.lock_pool(org)
    require_org_can_invite(pool)
    if check_role:
        require_can_invite(org=pool, actor=inviter, role=role, as_staff=False)
    if is_member(pool, email):
        raise AlreadyMember(f"{email} is already a member of {pool.display_name}.")
    check_email_allowed(pool, email)
    existing = (
        Invitation.objects.select_for_update()
        .filter(organization=pool, email__iexact=email, status__in=Invitation.OPEN_STATUSES)
        .first()
    )
    if existing is not None and existing.is_usable:
        raise AlreadyInvited(
            f"{email} is already invited (sent {existing.send_count} time"
            f"{'s' if existing.send_count != 1 else ''}).",
            invitation=existing,
        )
    seats.take_user_seat(pool)
    now = timezone.now()
    governance = GovernanceSettings.get_solo()
    # An expired invitation to the same address is renewed rather than duplicated.
    invitation = existing or Invitation(organization=pool, email=email)
    invitation.role = role
    invitation.first_name = first_name.strip()
    invitation.last_name = last_name.strip()
    # A machine (an API client) is no user to link: its name stands in the email.
    invitation.invited_by = None if is_machine(inviter) else inviter
    invitation.inviter_name = (inviter_name or "").strip()[:255]
    issue_and_send(
        invitation, now=now, governance=governance, send_email=send_email, lifetime=lifetime
    )
    record_event(
        org=pool,
        actor=inviter,
        action="member.invite",
        target=email,
        detail={"role": role, "invitation": invitation.pk, "renewed": existing is not None},
        ip_address=ip_address,
    )
    return invitation


@dataclass(frozen=True)
class InviteResult:
    """What happened to one address of a bulk invite."""

    email: str
    outcome: str  # invited, already_member, already_invited, invalid_address, no_seat, ...
    message: str
    invitation: Invitation | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "invited"


def invite_members(
    *,
    org: Organization,
    inviter,
    emails: list[str],
    role: str = Membership.Role.MEMBER,
    first_name: str = "",
    last_name: str = "",
    ip_address: str | None = None,
) -> list[InviteResult]:
    """Invite each address on its own; one result per address, in the order given.

    Names apply only when a single address is invited.
    """
    if len(emails) > MAX_ADDRESSES_PER_REQUEST:
        raise InvitationError(
            f"Invite at most {MAX_ADDRESSES_PER_REQUEST} addresses at once.",
            code="too_many_addresses",
        )
    single = len(emails) == 1
    results = []
    for email in emails:
        try:
            invitation = invite_member(
                org=org,
                inviter=inviter,
                email=email,
                role=role,
                first_name=first_name if single else "",
                last_name=last_name if single else "",
                ip_address=ip_address,
            )
        except AlreadyInvited as exc:
            sent = exc.invitation.send_count
            message = f"Already invited (sent {sent} time{'s' if sent != 1 else ''})."
            results.append(InviteResult(email, "already_invited", message, exc.invitation))
        except AlreadyMember:
            results.append(InviteResult(email, "already_member", "Already a member."))
        except InvalidAddress:
            results.append(InviteResult(email, "invalid_address", "Not a valid email address."))
        except seats.SeatLimitExceeded:
            results.append(InviteResult(email, "no_seat", "No user seat left."))
        except OrganizationError as exc:
            results.append(InviteResult(email, exc.code, exc.message))
        else:
            results.append(InviteResult(email, "invited", "Invitation sent.", invitation))
    return results


# --- resend, revoke, expire ------------------------------------------------------------


@transaction.atomic
def resend_invitation(
    *,
    invitation: Invitation,
    actor,
    ip_address: str | None = None,
    as_staff: bool = False,
) -> Invitation:
    """Send a new link with a new expiry; the old link dies. Renews an expired invitation.

    Rate limited by the governance settings: a least interval between sends and a
    most sends per 24 hours.
    """
    pool = seats.lock_pool(invitation.organization)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status not in Invitation.OPEN_STATUSES:
        raise InvitationError(
            f"The invitation to {invitation.email} was {invitation.get_status_display().lower()}"
            " and cannot be sent again.",
            code="invitation_closed",
        )
    require_org_can_invite(pool)
    require_can_invite(org=pool, actor=actor, role=invitation.role, as_staff=as_staff)
    now = timezone.now()
    governance = GovernanceSettings.get_solo()
    check_resend_limits(invitation, now=now, governance=governance)
    renewed = not invitation.is_usable
    if renewed:
        # An expired invitation no longer holds a seat: renewing it takes one.
        if is_member(pool, invitation.email):
            raise AlreadyMember(f"{invitation.email} is already a member of {pool.display_name}.")
        seats.take_user_seat(pool)
    invitation.organization = pool
    issue_and_send(invitation, now=now, governance=governance)
    record_event(
        org=pool,
        actor=actor,
        action="member.invite.resend",
        target=invitation.email,
        detail={
            "invitation": invitation.pk,
            "send_count": invitation.send_count,
            "renewed": renewed,
        },
        ip_address=ip_address,
    )
    return invitation


@transaction.atomic
def revoke_invitation(
    *,
    invitation: Invitation,
    actor,
    ip_address: str | None = None,
    as_staff: bool = False,
) -> Invitation:
    """Revoke an open invitation: its link dies and its seat is free again."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=invitation.pk)
    )
    if invitation.status not in Invitation.OPEN_STATUSES:
        raise InvitationError(
            f"The invitation to {invitation.email} is already "
            f"{invitation.get_status_display().lower()}.",
            code="invitation_closed",
        )
    require_can_invite(
        org=invitation.organization, actor=actor, role=invitation.role, as_staff=as_staff
    )
    close_invitation(invitation, Invitation.Status.REVOKED)
    record_event(
        org=invitation.organization,
        actor=actor,
        action="member.invite.revoke",
        target=invitation.email,
        detail={"invitation": invitation.pk, "role": invitation.role},
        ip_address=ip_address,
    )
    return invitation


@transaction.atomic
def revoke_pending_invitations_for(
    *, org: Organization, email: str, actor, ip_address: str | None = None
) -> int:
    """Revoke every open invitation of `email` to `org` (when that member is removed).

    Called inside the removal's transaction, which has locked `org` and checked the
    actor's right to remove the member; each revoked invitation gets an audit row.
    """
    invitations = list(
        Invitation.objects.select_for_update().filter(
            organization=org,
            email__iexact=normalize_email(email),
            status__in=Invitation.OPEN_STATUSES,
        )
    )
    for invitation in invitations:
        close_invitation(invitation, Invitation.Status.REVOKED)
        record_event(
            org=org,
            actor=actor,
            action="member.invite.revoke",
            target=invitation.email,
            detail={"invitation": invitation.pk, "reason": "member removed"},
            ip_address=ip_address,
        )
    return len(invitations)


def revoke_for_removed_member(*, org: Organization, user, actor, ip_address=None) -> dict:
    """The on-member-removed hook (`organizations.hooks`): revoke their open invitations."""
    revoked = revoke_pending_invitations_for(
        org=org, email=user.email, actor=actor, ip_address=ip_address
    )
    return {"invitations_revoked": revoked}


def expire_invitations() -> int:
    """Mark pending invitations past their expiry as expired; return how many."""
    return Invitation.objects.filter(
        status=Invitation.Status.PENDING, expires_at__lte=timezone.now()
    ).update(status=Invitation.Status.EXPIRED, updated_at=timezone.now())

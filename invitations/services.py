"""Business rules of invitations: one function per use case.

Views, admin actions, tasks and commands call these; they never repeat a rule.
Anything that takes or converts a seat locks the org's row first (through
`organizations.seats`), then the invitation's row, then checks, writes and audits.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import queue_email
from organizations import permissions, seats
from organizations.audit import record_event
from organizations.errors import NotAllowed, OrganizationError
from organizations.models import GovernanceSettings, Membership, Organization
from organizations.selectors import access_to
from organizations.services import add_member

from .errors import (
    AlreadyInvited,
    AlreadyMember,
    InvalidAddress,
    InvitationError,
    InvitationInvalid,
    OrgCannotInvite,
    ResendLimitReached,
    ResendTooSoon,
    WrongAccount,
)
from .models import Invitation
from .selectors import usable_invitation_for_token
from .tokens import generate_token, token_matches

MAX_ADDRESSES_PER_REQUEST = 50
SEND_WINDOW = timedelta(hours=24)
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


# --- helpers -------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def parse_addresses(text: str) -> list[str]:
    """Addresses typed one per line or separated by commas, deduplicated, in order."""
    seen: dict[str, None] = {}
    for chunk in _ADDRESS_SEPARATORS.split(text or ""):
        address = normalize_email(chunk)
        if address:
            seen.setdefault(address, None)
    return list(seen)


def accept_url(token: str) -> str:
    """The absolute link the email carries."""
    return settings.SITE_URL.rstrip("/") + reverse("invitations:link", kwargs={"token": token})


def _require_can_invite(*, org: Organization, actor, role: str, as_staff: bool) -> None:
    if as_staff:
        if not (actor is not None and actor.is_staff):
            raise NotAllowed("Only platform staff may do this.")
        return
    membership = access_to(org, actor) if actor is not None else None
    if not permissions.can_invite_role(membership, role):
        if role == Membership.Role.OWNER and membership is not None:
            raise NotAllowed("Only owners can invite owners.", code="owner_only")
        raise NotAllowed("Your role in this organization does not allow inviting people.")


def _require_org_can_invite(org: Organization) -> None:
    reason = permissions.org_invite_blocked_reason(org)
    if reason:
        raise OrgCannotInvite(reason)


def _is_member(org: Organization, email: str) -> bool:
    return Membership.objects.filter(organization=org, user__email__iexact=email).exists()


def _issue_and_send(invitation: Invitation, *, now, governance: GovernanceSettings) -> None:
    """Give `invitation` a new token and expiry, save it and queue its email on commit.

    The old token's hash is overwritten, so the old link dies with this call.
    """
    token, token_hash = generate_token()
    invitation.token_hash = token_hash
    invitation.status = Invitation.Status.PENDING
    invitation.expires_at = now + timedelta(days=governance.invitation_lifetime_days)
    if invitation.window_started_at is None or now - invitation.window_started_at >= SEND_WINDOW:
        invitation.window_started_at = now
        invitation.window_send_count = 0
    invitation.window_send_count += 1
    invitation.send_count += 1
    invitation.last_sent_at = now
    invitation.full_clean(exclude=["invited_by", "accepted_by"])
    invitation.save()
    org = invitation.organization
    inviter = invitation.invited_by
    queue_email(
        recipient=invitation.email,
        template="invitation",
        context={
            "invitation": invitation,
            "org": org,
            "inviter_name": inviter.display_name if inviter else org.display_name,
            "inviter_email": inviter.email if inviter else "",
            "role": invitation.get_role_display(),
            "expires_at": invitation.expires_at,
            "accept_url": accept_url(token),
            "site_url": settings.SITE_URL,
        },
    )


def _check_resend_limits(invitation: Invitation, *, now, governance: GovernanceSettings) -> None:
    if invitation.last_sent_at:
        wait = invitation.last_sent_at + timedelta(seconds=governance.resend_min_interval_seconds)
        if now < wait:
            seconds = max(int((wait - now).total_seconds()) + 1, 1)
            raise ResendTooSoon(
                f"The invitation to {invitation.email} was sent moments ago. "
                f"You can send it again in {seconds} second{'s' if seconds != 1 else ''}."
            )
    window_open = (
        invitation.window_started_at is not None
        and now - invitation.window_started_at < SEND_WINDOW
    )
    if window_open and invitation.window_send_count >= governance.resend_max_per_day:
        again = timezone.localtime(invitation.window_started_at + SEND_WINDOW)
        raise ResendLimitReached(
            f"The invitation to {invitation.email} was already sent "
            f"{invitation.window_send_count} times in 24 hours. "
            f"You can send it again after {again:%Y-%m-%d %H:%M} UTC."
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
) -> Invitation:
    """Invite `email` to `org` as `role`; the invitation holds a user seat until it ends."""
    return _invite(
        org=org,
        inviter=inviter,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        ip_address=ip_address,
        check_role=True,
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
) -> Invitation:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidAddress(f"“{email}” is not a valid email address.") from exc
    if role not in Membership.Role.values:
        raise InvitationError(f"Unknown role “{role}”.", code="invalid_role")
    pool = seats.lock_pool(org)
    _require_org_can_invite(pool)
    if check_role:
        _require_can_invite(org=pool, actor=inviter, role=role, as_staff=False)
    if _is_member(pool, email):
        raise AlreadyMember(f"{email} is already a member of {pool.display_name}.")
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
    invitation.invited_by = inviter
    _issue_and_send(invitation, now=now, governance=governance)
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
    _require_org_can_invite(pool)
    _require_can_invite(org=pool, actor=actor, role=invitation.role, as_staff=as_staff)
    now = timezone.now()
    governance = GovernanceSettings.get_solo()
    _check_resend_limits(invitation, now=now, governance=governance)
    renewed = not invitation.is_usable
    if renewed:
        # An expired invitation no longer holds a seat: renewing it takes one.
        if _is_member(pool, invitation.email):
            raise AlreadyMember(f"{invitation.email} is already a member of {pool.display_name}.")
        seats.take_user_seat(pool)
    invitation.organization = pool
    _issue_and_send(invitation, now=now, governance=governance)
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
    _require_can_invite(
        org=invitation.organization, actor=actor, role=invitation.role, as_staff=as_staff
    )
    _close(invitation, Invitation.Status.REVOKED)
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

    The member-removal service lives in organizations, which never imports this app:
    it revokes through the reverse relation instead (`org.invitations.filter(email__iexact=
    ..., status__in=["pending", "expired"])`, same statuses as `Invitation.OPEN_STATUSES`).
    """
    invitations = list(
        Invitation.objects.select_for_update().filter(
            organization=org,
            email__iexact=normalize_email(email),
            status__in=Invitation.OPEN_STATUSES,
        )
    )
    for invitation in invitations:
        _close(invitation, Invitation.Status.REVOKED)
        record_event(
            org=org,
            actor=actor,
            action="member.invite.revoke",
            target=invitation.email,
            detail={"invitation": invitation.pk, "reason": "member removed"},
            ip_address=ip_address,
        )
    return len(invitations)


def expire_invitations() -> int:
    """Mark pending invitations past their expiry as expired; return how many."""
    return Invitation.objects.filter(
        status=Invitation.Status.PENDING, expires_at__lte=timezone.now()
    ).update(status=Invitation.Status.EXPIRED, updated_at=timezone.now())


def _close(invitation: Invitation, status: str, *, user=None) -> None:
    invitation.status = status
    invitation.responded_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "responded_at", "accepted_by", "updated_at"])


# --- accept, decline -------------------------------------------------------------------


def _lock_usable(token: str) -> tuple[Organization, Invitation]:
    """Lock the org, then the invitation `token` opens; InvitationInvalid when it is unusable."""
    found = usable_invitation_for_token(token)
    if found is None:
        raise InvitationInvalid()
    pool = seats.lock_pool(found.organization)
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if not (token_matches(token, invitation.token_hash) and invitation.is_usable):
        raise InvitationInvalid()
    if not pool.is_active:
        raise InvitationInvalid()
    invitation.organization = pool
    return pool, invitation


@transaction.atomic
def accept_invitation(*, token: str, user, ip_address: str | None = None) -> Membership:
    """Join the invited org as `user`; only the owner of the invited, verified address may.

    Checks the seat again, creates the membership with the invited role in the default
    team, closes the invitation (single use), audits and emails the inviter.
    """
    pool, invitation = _lock_usable(token)
    if not permissions.can_accept_invitation(user, invitation.email):
        raise WrongAccount(
            f"This invitation is for {invitation.email}, and you are signed in as {user.email}."
        )
    existing = Membership.objects.filter(organization=pool, user=user).first()
    if existing is not None:
        _close(invitation, Invitation.Status.ACCEPTED, user=user)
        return existing
    membership = add_member(
        org=pool,
        user=user,
        role=invitation.role,
        actor=user,
        ip_address=ip_address,
        seat_is_held=True,
        event="member.accept",
        detail={
            "invitation": invitation.pk,
            "invited_by": invitation.invited_by.email if invitation.invited_by else "",
        },
    )
    _close(invitation, Invitation.Status.ACCEPTED, user=user)
    inviter = invitation.invited_by
    if inviter is not None and inviter.is_active:
        queue_email(
            recipient=inviter.email,
            template="invitee_joined",
            context={
                "org": pool,
                "member_name": user.display_name,
                "member_email": user.email,
                "role": membership.get_role_display(),
                "inviter_name": inviter.display_name,
                "dashboard_url": settings.SITE_URL.rstrip("/")
                + reverse("organizations:dashboard", kwargs={"org_name": pool.name}),
            },
        )
    return membership


@transaction.atomic
def decline_invitation(*, token: str, user, ip_address: str | None = None) -> Invitation:
    """Turn the invitation down; its link dies and its seat is free again."""
    pool, invitation = _lock_usable(token)
    if not permissions.can_accept_invitation(user, invitation.email):
        raise WrongAccount(
            f"This invitation is for {invitation.email}, and you are signed in as {user.email}."
        )
    _close(invitation, Invitation.Status.DECLINED)
    record_event(
        org=pool,
        actor=user,
        action="member.invite.decline",
        target=invitation.email,
        detail={"invitation": invitation.pk},
        ip_address=ip_address,
    )
    return invitation

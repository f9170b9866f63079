"""Helpers the invitation services share: parsing, permission checks, sending a link."""

import re
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from config import metrics
from notifications.services import queue_email
from organizations import permissions
from organizations.emails import org_email_context
from organizations.errors import NotAllowed
from organizations.models import GovernanceSettings, Membership, Organization
from organizations.selectors import access_to

from ..errors import OrgCannotInvite, ResendLimitReached, ResendTooSoon
from ..models import Invitation
from ..tokens import generate_token

MAX_ADDRESSES_PER_REQUEST = 50
STAFF_MANAGE_PERMISSION = "invitations.change_invitation"
# What an address may hold, as Invitation.email and the user's email store it.
EMAIL_MAX_LENGTH = 254
SEND_WINDOW = timedelta(hours=24)
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


# --- helpers --------------------------------------------------------------------------


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


def require_can_invite(*, org: Organization, actor, role: str, as_staff: bool) -> None:
    if as_staff:
        # Staff act through a permission, never through bare is_staff.
        if not (
            actor is not None
            and actor.is_active
            and actor.is_staff
            and actor.has_perm(STAFF_MANAGE_PERMISSION)
        ):
            raise NotAllowed(
                "Only platform staff with the permission to change invitations may do this.",
                code="not_staff",
            )
        return
    membership = access_to(org, actor) if actor is not None else None
    if not permissions.can_invite_role(membership, role):
        if role == Membership.Role.OWNER and membership is not None:
            raise NotAllowed("Only owners can invite owners.", code="owner_only")
        raise NotAllowed("Your role in this organization does not allow inviting people.")


def require_org_can_invite(org: Organization) -> None:
    reason = permissions.org_invite_blocked_reason(org)
    if reason:
        raise OrgCannotInvite(reason)


def is_member(org: Organization, email: str) -> bool:
    return Membership.objects.filter(organization=org, user__email__iexact=email).exists()


def issue_and_send(
    invitation: Invitation,
    *,
    now,
    governance: GovernanceSettings,
    send_email: bool = True,
    lifetime: timedelta | None = None,
) -> str:
    """Give `invitation` a new token and expiry, save it and queue its email on commit.

    The old token's hash is overwritten, so the old link dies with this call. The new
    link is returned (and kept on `invitation.link` for this request only) for a
    caller that delivers it itself (`send_email=False`, the API's
    `send_invitation_email: false`). `lifetime` shortens the governance's default.
    """
    token, token_hash = generate_token()
    metrics.count_on_commit(
        metrics.INVITATIONS_SENT, kind="new" if invitation.send_count == 0 else "again"
    )
    invitation.token_hash = token_hash
    invitation.status = Invitation.Status.PENDING
    default_lifetime = timedelta(days=governance.invitation_lifetime_days)
    invitation.expires_at = now + min(lifetime or default_lifetime, default_lifetime)
    if invitation.window_started_at is None or now - invitation.window_started_at >= SEND_WINDOW:
        invitation.window_started_at = now
        invitation.window_send_count = 0
    invitation.window_send_count += 1
    invitation.send_count += 1
    invitation.last_sent_at = now
    invitation.full_clean(exclude=["invited_by", "accepted_by"])
    invitation.save()
    invitation.link = accept_url(token)
    if not send_email:
        return invitation.link
    org = invitation.organization
    inviter = invitation.invited_by
    if invitation.inviter_name:
        inviter_name = invitation.inviter_name
    else:
        inviter_name = inviter.display_name if inviter else org.display_name
    queue_email(
        recipient=invitation.email,
        template="invitation",
        context={
            **org_email_context(org),
            "invitee_first_name": invitation.first_name,
            "invitee_last_name": invitation.last_name,
            "invitee_email": invitation.email,
            "inviter_name": inviter_name,
            "inviter_email": inviter.email if inviter else "",
            "role": invitation.get_role_display(),
            "expires_at": invitation.expires_at,
            "accept_url": invitation.link,
            "site_url": settings.SITE_URL,
        },
    )
    return invitation.link


def check_resend_limits(invitation: Invitation, *, now, governance: GovernanceSettings) -> None:
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


def close_invitation(invitation: Invitation, status: str, *, user=None) -> None:
    invitation.status = status
    invitation.responded_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "responded_at", "accepted_by", "updated_at"])

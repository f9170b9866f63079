"""Answering an invitation: accept (join) or decline."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from config import metrics
from notifications.services import queue_email
from organizations import permissions, seats
from organizations.audit import record_event
from organizations.emails import org_email_context
from organizations.models import Membership, Organization
from organizations.services import add_member, check_email_allowed

from ..errors import InvitationInvalid, WrongAccount
from ..models import Invitation
from ..selectors import usable_invitation_for_token
from ..tokens import token_matches
from ._common import close_invitation

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
        close_invitation(invitation, Invitation.Status.ACCEPTED, user=user)
        return existing
    # The org may have narrowed its allowed domains since the invitation was sent.
    check_email_allowed(pool, invitation.email)
    membership = add_member(
        org=pool,
        user=user,
        email=invitation.email,
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
    close_invitation(invitation, Invitation.Status.ACCEPTED, user=user)
    metrics.count_on_commit(metrics.INVITATIONS_ACCEPTED)
    inviter = invitation.invited_by
    if inviter is not None and inviter.is_active:
        queue_email(
            recipient=inviter.email,
            template="invitee_joined",
            context={
                **org_email_context(pool),
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
    close_invitation(invitation, Invitation.Status.DECLINED)
    record_event(
        org=pool,
        actor=user,
        action="member.invite.decline",
        target=invitation.email,
        detail={"invitation": invitation.pk},
        ip_address=ip_address,
    )
    return invitation

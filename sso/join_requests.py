"""Requests to join: people of a verified domain ask, owners and admins decide.

Under the "ask to join" mode of an org's `SsoPolicy`, a signed-in user with a
confirmed address in one of the org's verified domains asks to join
(`request_to_join`); whoever may invite people into the org (owners and admins,
`Action.INVITE`) approves the request, which makes the requester a member taking a
user seat, or declines it. Each function locks the org's pool first, then the
request's row, checks, writes, audits and queues its emails on commit.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import queue_email
from organizations import seats
from organizations.audit import record_event
from organizations.emails import absolute_url, org_email_context
from organizations.models import Membership, Organization
from organizations.permissions import Action
from organizations.services import check_email_allowed
from organizations.services._common import lock_and_authorize

from . import selectors
from .models import JoinRequest, SsoPolicy
from .services import SsoError, add_domain_member

REQUEST_EVENT = "member.join_request"
APPROVE_EVENT = "member.join_request_approve"
DECLINE_EVENT = "member.join_request_decline"
MESSAGE_MAX_LENGTH = JoinRequest._meta.get_field("message").max_length


def _not_allowed(org: Organization) -> SsoError:
    return SsoError(
        f"{org.display_name} does not take requests to join from your address.",
        code="not_allowed",
    )


def _requests_url(org: Organization) -> str:
    return absolute_url(reverse("sso:join_requests", kwargs={"org_name": org.name}))


def _notify_admins(org: Organization, join_request: JoinRequest) -> int:
    """Email every active owner and admin of `org` about a new request; returns how many."""
    deciders = (
        Membership.objects.filter(
            organization=org,
            role__in=(Membership.Role.OWNER, Membership.Role.ADMIN),
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__email")
    )
    requester = join_request.user
    context = {
        **org_email_context(org),
        "requester_name": requester.display_name,
        "requester_email": join_request.email,
        "message": join_request.message,
        "requests_url": _requests_url(org),
    }
    sent = 0
    for membership in deciders:
        queue_email(
            recipient=membership.user.email,
            template="join_request",
            context={**context, "recipient_name": membership.user.display_name},
        )
        sent += 1
    return sent


def _notify_requester(org: Organization, join_request: JoinRequest, actor) -> None:
    queue_email(
        recipient=join_request.email,
        template="join_request_decided",
        context={
            **org_email_context(org),
            "recipient_name": join_request.user.display_name,
            "approved": join_request.status == JoinRequest.Status.APPROVED,
            "decided_by_name": actor.display_name,
            "dashboard_url": absolute_url(
                reverse("organizations:dashboard", kwargs={"org_name": org.name})
            ),
        },
    )


@transaction.atomic
def request_to_join(
    *, actor, org: Organization, message: str = "", ip_address: str | None = None
) -> JoinRequest:
    """`actor` asks to join `org` by their confirmed address in one of its verified domains.

    Refused unless the org is active and "ask to join", the address is in a verified
    domain of the org and allowed by its security policy, and `actor` is not a member.
    Asking again while a request is pending returns that request, unchanged.
    """
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise SsoError("Sign in to ask to join.", code="not_signed_in")
    org = seats.lock_pool(org)
    if not org.is_active:
        raise _not_allowed(org)
    if Membership.objects.filter(organization=org, user=actor).exists():
        raise SsoError(f"You are already a member of {org.display_name}.", code="already_member")
    if selectors.domain_join_mode(org) != SsoPolicy.DomainJoin.REQUEST:
        raise _not_allowed(org)
    email = selectors.domain_address(org, actor)
    if email is None:
        raise _not_allowed(org)
    pending = selectors.pending_join_request(org, actor)
    if pending is not None:
        return pending
    check_email_allowed(org, email)
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise SsoError(
            f"Keep the message under {MESSAGE_MAX_LENGTH} characters.", code="message_too_long"
        )
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(
                organization=org, user=actor, email=email, message=message
            )
    except IntegrityError:
        # The org's lock serialises requests; the constraint is the last word anyway.
        return selectors.pending_join_request(org, actor)
    notified = _notify_admins(org, join_request)
    record_event(
        org=org,
        actor=actor,
        action=REQUEST_EVENT,
        target=email,
        detail={"request": join_request.pk, "notified": notified},
        ip_address=ip_address,
    )
    return join_request


def _lock_request(actor, join_request: JoinRequest) -> tuple[Organization, JoinRequest]:
    """Lock the org's pool, check that `actor` may decide, then lock the pending request."""
    org, _ = lock_and_authorize(join_request.organization, actor, Action.INVITE)
    locked = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(organization=org, pk=join_request.pk)
        .first()
    )
    if locked is None:
        raise SsoError("This request to join no longer exists.", code="not_found")
    if not locked.is_pending:
        raise SsoError(
            f"The request from {locked.email} was already {locked.get_status_display().lower()}.",
            code="already_decided",
        )
    return org, locked


def _decide(join_request: JoinRequest, *, status: str, actor) -> None:
    join_request.status = status
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    join_request.save(update_fields=["status", "decided_at", "decided_by"])


@transaction.atomic
def approve_join_request(
    *, actor, join_request: JoinRequest, ip_address: str | None = None
) -> JoinRequest:
    """Let the requester in: they join as a member, taking a user seat, and are told by email.

    Owners and admins decide. Refused with SeatLimitExceeded when no user seat is left
    (the request stays pending). A requester who became a member meanwhile (through an
    invitation) has their request closed as approved, taking no second seat.
    """
    org, join_request = _lock_request(actor, join_request)
    if not org.is_active:
        raise SsoError(
            f"{org.display_name} is {org.get_status_display().lower()}: it cannot add members.",
            code="org_inactive",
        )
    requester = join_request.user
    already_member = Membership.objects.filter(organization=org, user=requester).exists()
    if not already_member:
        if not requester.is_active:
            raise SsoError(
                f"The account of {join_request.email} is deactivated.", code="inactive_user"
            )
        try:
            add_domain_member(
                org=org,
                user=requester,
                email=join_request.email,
                actor=actor,
                event=APPROVE_EVENT,
                detail={"request": join_request.pk},
                ip_address=ip_address,
            )
        except seats.SeatLimitExceeded as exc:
            raise seats.SeatLimitExceeded(
                f"{exc.message} The request from {join_request.email} stays pending: "
                "free a seat, then approve it.",
                resource=exc.resource,
                available=exc.available,
            ) from exc
    _decide(join_request, status=JoinRequest.Status.APPROVED, actor=actor)
    if already_member:
        record_event(
            org=org,
            actor=actor,
            action=APPROVE_EVENT,
            target=join_request.email,
            detail={"request": join_request.pk, "already_member": True},
            ip_address=ip_address,
        )
    else:
        _notify_requester(org, join_request, actor)
    return join_request


@transaction.atomic
def decline_join_request(
    *, actor, join_request: JoinRequest, ip_address: str | None = None
) -> JoinRequest:
    """Turn the request down; the requester is told by email and may ask again later."""
    org, join_request = _lock_request(actor, join_request)
    _decide(join_request, status=JoinRequest.Status.DECLINED, actor=actor)
    record_event(
        org=org,
        actor=actor,
        action=DECLINE_EVENT,
        target=join_request.email,
        detail={"request": join_request.pk},
        ip_address=ip_address,
    )
    _notify_requester(org, join_request, actor)
    return join_request

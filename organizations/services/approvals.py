"""Self-registration and the approval queue (Tyk's model): request, approve, reject,
re-submit, and staff creating an organization for someone.

Emails go through the outbox in the same transaction as the change that causes them.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import queue_email

from .. import hooks, permissions
from ..audit import record_event
from ..emails import absolute_url, org_email_context
from ..errors import OrganizationError
from ..models import Organization
from ..selectors import platform_admins
from ._common import authorize, clean_reason, lock_and_authorize


def _lock_for_review(org: Organization, actor) -> Organization:
    """Lock a request and check that `actor` is a platform admin who may decide on it."""
    org, _ = lock_and_authorize(org, actor, permissions.ServiceAction.APPROVE)
    return Organization.objects.select_related("created_by").get(pk=org.pk)


def notify_platform_admins(*, org: Organization, resubmitted: bool = False) -> int:
    """Queue a "new organization request" email to every platform admin; return how many."""
    requester = org.created_by
    count = 0
    for admin in platform_admins():
        queue_email(
            recipient=admin.email,
            template="org_request",
            context={
                **org_email_context(org),
                "recipient_name": admin.display_name,
                "requester_name": requester.display_name,
                "requester_email": requester.email,
                "resubmitted": resubmitted,
                "queue_url": absolute_url(reverse("organizations:approvals")),
            },
        )
        count += 1
    return count


def _submit_request(*, org: Organization, actor, ip_address: str | None = None) -> None:
    """Mark a new self-registered org as a request: audit it and tell the platform admins."""
    record_event(
        org=org,
        actor=actor,
        action="org.request",
        target=org.name,
        detail={"display_name": org.display_name},
        ip_address=ip_address,
    )
    notify_platform_admins(org=org)


@transaction.atomic
def approve_organization(
    *, org: Organization, actor, ip_address: str | None = None
) -> Organization:
    """Make a pending org active and email its requester."""
    org = _lock_for_review(org, actor)
    if not org.is_pending:
        raise OrganizationError(
            f"{org.display_name} is not waiting for approval.", code="not_pending"
        )
    org.status = Organization.Status.ACTIVE
    org.reviewed_by = actor
    org.reviewed_at = timezone.now()
    org.rejection_reason = ""
    org.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"]
    )
    record_event(
        org=org,
        actor=actor,
        action="org.approve",
        target=org.name,
        detail={"requested_by": org.created_by.email},
        ip_address=ip_address,
    )
    queue_email(
        recipient=org.created_by.email,
        template="org_approved",
        context={
            **org_email_context(org),
            "requester_name": org.created_by.display_name,
            "dashboard_url": absolute_url(reverse("organizations:dashboard", args=[org.name])),
        },
    )
    return org


def approve_organizations(*, orgs, actor, ip_address: str | None = None) -> int:
    """Approve each pending org of `orgs` (bulk approve); return how many were approved.

    Each approval locks its org and checks the actor again; this first check refuses
    a non-approver before anything is tried.
    """
    authorize(actor, permissions.ServiceAction.APPROVE)
    approved = 0
    for org in orgs:
        try:
            approve_organization(org=org, actor=actor, ip_address=ip_address)
        except OrganizationError:
            continue  # decided meanwhile by another admin
        approved += 1
    return approved


@transaction.atomic
def reject_organization(
    *, org: Organization, actor, reason: str, ip_address: str | None = None
) -> Organization:
    """Mark a pending org rejected with a reason its owner sees, and email them."""
    org = _lock_for_review(org, actor)
    reason = clean_reason(reason, what="rejection")
    if not org.is_pending:
        raise OrganizationError(
            f"{org.display_name} is not waiting for approval.", code="not_pending"
        )
    org.status = Organization.Status.REJECTED
    org.reviewed_by = actor
    org.reviewed_at = timezone.now()
    org.rejection_reason = reason
    org.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"]
    )
    record_event(
        org=org,
        actor=actor,
        action="org.reject",
        target=org.name,
        detail={"reason": reason, "requested_by": org.created_by.email},
        ip_address=ip_address,
    )
    queue_email(
        recipient=org.created_by.email,
        template="org_rejected",
        context={
            **org_email_context(org),
            "requester_name": org.created_by.display_name,
            "reason": reason,
            "settings_url": absolute_url(reverse("organizations:settings", args=[org.name])),
        },
    )
    return org


@transaction.atomic
def resubmit_organization(
    *, org: Organization, actor, ip_address: str | None = None
) -> Organization:
    """An owner answers a rejection: the org is pending again, first in line by its new date."""
    org, _ = lock_and_authorize(org, actor, permissions.ServiceAction.RESUBMIT)
    if not org.is_rejected:
        raise OrganizationError(
            f"{org.display_name} was not rejected: there is nothing to re-submit.",
            code="not_rejected",
        )
    previous_reason = org.rejection_reason
    org.status = Organization.Status.PENDING
    org.submitted_at = timezone.now()
    org.save(update_fields=["status", "submitted_at", "updated_at"])
    record_event(
        org=org,
        actor=actor,
        action="org.resubmit",
        target=org.name,
        detail={"previous_reason": previous_reason},
        ip_address=ip_address,
    )
    notify_platform_admins(org=org, resubmitted=True)
    return org


@transaction.atomic
def create_organization_for(
    *,
    staff,
    owner_email: str,
    display_name: str,
    name: str = "",
    org_type: str = "",
    primary_email: str = "",
    ip_address: str | None = None,
) -> Organization:
    """Staff create an active org for someone (Tyk's "Manually Create Organizations").

    An existing account with `owner_email` becomes its owner at once; otherwise the
    address gets an owner invitation (when the invitations app is installed).
    """
    from .lifecycle import _build_standard_organization

    authorize(staff, permissions.ServiceAction.CREATE_FOR_OTHERS)
    owner_email = owner_email.strip().lower()
    owner = get_user_model().objects.filter(email__iexact=owner_email).first()
    inviter = hooks.owner_inviter()
    if owner is None and inviter is None:
        raise OrganizationError(
            "No account uses this address. Ask them to sign up first, then try again.",
            code="owner_unknown",
        )
    org = _build_standard_organization(
        creator=owner or staff,
        display_name=display_name,
        name=name,
        org_type=org_type,
        primary_email=primary_email,
        status=Organization.Status.ACTIVE,
        owner=owner,
    )
    org.reviewed_by = staff
    org.reviewed_at = timezone.now()
    org.save(update_fields=["reviewed_by", "reviewed_at"])
    record_event(
        org=org,
        actor=staff,
        action="org.staff_create",
        target=org.name,
        detail={"display_name": org.display_name, "owner_email": owner_email},
        ip_address=ip_address,
    )
    if owner is None:
        inviter(org=org, inviter=staff, email=owner_email, ip_address=ip_address)
    return org

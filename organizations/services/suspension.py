"""Platform staff suspend an organization and lift the suspension.

A suspended org is read-only for its members (`permissions.suspension_blocks`): they
can read it and leave it, but not invite, change or delete anything, and the links of
its pending invitations are refused. Both steps are audited and emailed to its owners.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import queue_email

from .. import permissions
from ..audit import record_event
from ..emails import absolute_url, org_email_context
from ..errors import OrganizationError
from ..models import Membership, Organization
from ._common import clean_reason, lock_and_authorize


def _email_owners(*, org: Organization, template: str, reason: str = "") -> None:
    owners = (
        Membership.objects.filter(organization=org, role=Membership.Role.OWNER)
        .select_related("user")
        .order_by("pk")
    )
    dashboard_url = absolute_url(reverse("organizations:dashboard", args=[org.name]))
    for owner in owners:
        queue_email(
            recipient=owner.user.email,
            template=template,
            context={
                **org_email_context(org),
                "recipient_name": owner.user.display_name,
                "reason": reason,
                "dashboard_url": dashboard_url,
            },
        )


@transaction.atomic
def suspend_organization(
    *, org: Organization, actor, reason: str, ip_address: str | None = None
) -> Organization:
    """Make an active org read-only for its members, with a reason its owners are emailed."""
    org, _ = lock_and_authorize(org, actor, permissions.ServiceAction.SUSPEND)
    reason = clean_reason(reason, what="suspension")
    if not org.is_active:
        raise OrganizationError(
            f"{org.display_name} is {org.get_status_display().lower()}: only an active "
            "organization can be suspended.",
            code="not_active",
        )
    org.status = Organization.Status.SUSPENDED
    org.suspension_reason = reason
    org.suspended_at = timezone.now()
    org.suspended_by = actor
    org.save(
        update_fields=[
            "status",
            "suspension_reason",
            "suspended_at",
            "suspended_by",
            "updated_at",
        ]
    )
    record_event(
        org=org,
        actor=actor,
        action="org.suspend",
        target=org.name,
        detail={"reason": reason},
        ip_address=ip_address,
    )
    _email_owners(org=org, template="org_suspended", reason=reason)
    return org


@transaction.atomic
def lift_suspension(*, org: Organization, actor, ip_address: str | None = None) -> Organization:
    """Make a suspended org active again and tell its owners."""
    org, _ = lock_and_authorize(org, actor, permissions.ServiceAction.SUSPEND)
    if not org.is_suspended:
        raise OrganizationError(f"{org.display_name} is not suspended.", code="not_suspended")
    previous_reason = org.suspension_reason
    org.status = Organization.Status.ACTIVE
    org.suspension_reason = ""
    org.suspended_at = None
    org.suspended_by = None
    org.save(
        update_fields=[
            "status",
            "suspension_reason",
            "suspended_at",
            "suspended_by",
            "updated_at",
        ]
    )
    record_event(
        org=org,
        actor=actor,
        action="org.unsuspend",
        target=org.name,
        detail={"previous_reason": previous_reason},
        ip_address=ip_address,
    )
    _email_owners(org=org, template="org_unsuspended")
    return org

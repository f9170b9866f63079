"""The security policy: owners set it; members without MFA are reminded by email."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import queue_email

from .. import permissions, security
from ..audit import record_event
from ..emails import absolute_url, org_email_context
from ..errors import OrganizationError
from ..models import AuditEvent, Membership, Organization, SecurityPolicy
from ._common import lock_and_authorize

POLICY_FIELDS = (
    "require_mfa",
    "allowed_email_domains",
    "session_lifetime_hours",
    "reauthentication_minutes",
)

# One reminder per member and day, however often an owner presses the button.
MFA_REMINDER_INTERVAL = timedelta(hours=24)
MFA_REMINDER_EVENT = "member.mfa_reminder"


class EmailDomainNotAllowed(OrganizationError):
    code = "domain_not_allowed"


def check_email_allowed(org: Organization, email: str) -> None:
    """Raise EmailDomainNotAllowed when `org`'s allowed domains exclude `email`.

    Called by every service that makes someone a member or invites them: add a
    member, accept an invitation, invite, name a child org's owner.
    """
    reason = security.email_refusal(org, email)
    if reason:
        raise EmailDomainNotAllowed(reason)


def _clean_policy(
    *,
    require_mfa: bool,
    allowed_email_domains,
    session_lifetime_hours: int | None,
    reauthentication_minutes: int | None,
) -> dict:
    errors = {}
    domains = []
    for value in allowed_email_domains or ():
        domain = security.clean_domain(str(value))
        if not domain:
            continue
        if not security.is_valid_domain(domain):
            errors.setdefault("allowed_email_domains", []).append(
                ValidationError(
                    "“%(domain)s” is not a domain name (like example.com).",
                    code="invalid_domain",
                    params={"domain": domain[:80]},
                )
            )
        elif domain not in domains:
            domains.append(domain)
    if len(domains) > security.MAX_DOMAINS:
        errors.setdefault("allowed_email_domains", []).append(
            ValidationError(
                "List at most %(max)d domains.",
                code="too_many_domains",
                params={"max": security.MAX_DOMAINS},
            )
        )
    for field, value, maximum, message, code in (
        (
            "session_lifetime_hours",
            session_lifetime_hours,
            security.MAX_SESSION_LIFETIME_HOURS,
            "Between 1 and %(max)d hours, or empty for no limit.",
            "invalid_session_lifetime",
        ),
        (
            "reauthentication_minutes",
            reauthentication_minutes,
            security.MAX_REAUTHENTICATION_MINUTES,
            "Between 1 and %(max)d minutes, or empty for the default.",
            "invalid_reauthentication_window",
        ),
    ):
        if value is not None and not 1 <= value <= maximum:
            errors[field] = ValidationError(message, code=code, params={"max": maximum})
    if errors:
        raise ValidationError(errors)
    return {
        "require_mfa": bool(require_mfa),
        "allowed_email_domains": domains,
        "session_lifetime_hours": session_lifetime_hours,
        "reauthentication_minutes": reauthentication_minutes,
    }


def _check_not_locking_out(actor, values: dict) -> None:
    """An owner may not save a policy they would fail themselves."""
    errors = {}
    if values["require_mfa"] and not security.user_has_mfa(actor):
        errors["require_mfa"] = ValidationError(
            "Set up two-factor authentication for your own account first: otherwise this "
            "policy would lock you out of the organization.",
            code="lockout_mfa",
        )
    domains = values["allowed_email_domains"]
    if domains:
        verified = EmailAddress.objects.filter(user=actor, verified=True).values_list(
            "email", flat=True
        )
        if not any(security.domain_allowed(domains, email) for email in verified):
            errors["allowed_email_domains"] = ValidationError(
                "Your own address %(email)s is not in these domains: add its domain "
                "(%(domain)s) so the policy does not exclude you.",
                code="lockout_domain",
                params={"email": actor.email, "domain": security.domain_of(actor.email)},
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_security_policy(
    *,
    org: Organization,
    actor,
    require_mfa: bool,
    allowed_email_domains,
    session_lifetime_hours: int | None,
    reauthentication_minutes: int | None,
    ip_address: str | None = None,
) -> SecurityPolicy:
    """Set `org`'s security policy (owners only); audits what changed.

    Refused on the field (ValidationError) when a value is out of range or the policy
    would lock `actor` out: MFA required while they have none, or domains excluding
    every verified address of theirs. Existing members outside the domains stay.
    Platform staff with the `change_securitypolicy` permission may set it too.
    """
    org, membership = lock_and_authorize(org, actor, permissions.Action.MANAGE_SECURITY)
    values = _clean_policy(
        require_mfa=require_mfa,
        allowed_email_domains=allowed_email_domains,
        session_lifetime_hours=session_lifetime_hours,
        reauthentication_minutes=reauthentication_minutes,
    )
    if membership is not None:
        # Platform staff (acting by permission, from the admin) are no member to lock out.
        _check_not_locking_out(actor, values)
    policy = SecurityPolicy.objects.select_for_update().filter(organization=org).first()
    if policy is None:
        policy = SecurityPolicy(organization=org)
    changed = {
        field: {"from": getattr(policy, field), "to": value}
        for field, value in values.items()
        if getattr(policy, field) != value
    }
    if not changed:
        return policy
    for field, value in values.items():
        setattr(policy, field, value)
    policy.updated_by = actor
    policy.full_clean(exclude=["organization"])
    policy.save()
    record_event(
        org=org,
        actor=actor,
        action="org.security_policy_change",
        target=org.name,
        detail={"changed": changed},
        ip_address=ip_address,
    )
    return policy


def _recently_reminded(org: Organization, emails, now) -> set[str]:
    return set(
        AuditEvent.objects.filter(
            organization=org,
            action=MFA_REMINDER_EVENT,
            target__in=list(emails),
            created_at__gte=now - MFA_REMINDER_INTERVAL,
        ).values_list("target", flat=True)
    )


@transaction.atomic
def send_mfa_reminders(
    *,
    org: Organization,
    actor,
    member_ids=None,
    ip_address: str | None = None,
) -> dict[str, list[str]]:
    """Email members without MFA a reminder to set it up (owners only).

    `member_ids` picks some members; None means every member without MFA. A member
    reminded in the last 24 hours is skipped. Returns {"sent": [...], "skipped": [...]}
    (addresses). Each reminder is an outbox email and a `member.mfa_reminder` event.
    """
    org, _ = lock_and_authorize(org, actor, permissions.Action.MANAGE_SECURITY)
    members = Membership.objects.filter(organization=org, user__is_active=True)
    if member_ids is not None:
        members = members.filter(pk__in=list(member_ids))
    members = list(
        members.annotate(user_has_mfa=security.has_mfa_annotation())
        .filter(user_has_mfa=False)
        .select_related("user")
        .order_by("user__email")
    )
    now = timezone.now()
    recent = _recently_reminded(org, (m.user.email for m in members), now)
    result = {"sent": [], "skipped": []}
    for member in members:
        email = member.user.email
        if email in recent:
            result["skipped"].append(email)
            continue
        queue_email(
            recipient=email,
            template="mfa_reminder",
            context={
                **org_email_context(org),
                "recipient_name": member.user.display_name,
                "sender_name": actor.display_name,
                "required": security.requires_mfa(org),
                "setup_url": absolute_url(reverse("mfa_index")),
                "dashboard_url": absolute_url(
                    reverse("organizations:dashboard", kwargs={"org_name": org.name})
                ),
            },
        )
        record_event(
            org=org,
            actor=actor,
            action=MFA_REMINDER_EVENT,
            target=email,
            ip_address=ip_address,
        )
        result["sent"].append(email)
    return result

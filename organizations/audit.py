"""Audit events: written by the services, never edited or deleted."""

from .models import AuditEvent, Organization


def record_event(
    *,
    org: Organization,
    actor,
    action: str,
    target: str = "",
    detail: dict | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event to `org`'s audit log; the org's name and id are copied in.

    A machine actor (a SCIM token) is no user: its label goes into the detail as
    `actor_label`.
    """
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    if getattr(actor, "is_machine", False):
        detail = {**(detail or {}), "actor_label": actor.label}
    return AuditEvent.objects.create(
        organization=org,
        org_name=org.name,
        org_public_id=org.public_id,
        actor=actor if actor_is_user else None,
        actor_email=actor.email if actor_is_user else "",
        action=action,
        target=target,
        detail=detail or {},
        ip_address=ip_address or None,
    )

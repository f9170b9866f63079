"""Audit events: written by the services, never edited or deleted."""

from .actors import is_machine
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

    A machine actor (an API client) is recorded by its label, with no user.
    """
    machine = is_machine(actor)
    actor_is_user = not machine and actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        organization=org,
        org_name=org.name,
        org_public_id=org.public_id,
        actor=actor if actor_is_user else None,
        actor_email=actor.email if actor_is_user else "",
        actor_label=actor.label if machine else "",
        action=action,
        target=target,
        detail=detail or {},
        ip_address=ip_address or None,
    )

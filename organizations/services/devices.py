"""Devices: each registered device takes one device seat of its org."""

from django.db import transaction

from .. import permissions, seats
from ..audit import record_event
from ..errors import NotAllowed
from ..models import Device, Organization
from .children import _check_manager


@transaction.atomic
def register_device(
    *, org: Organization, actor, name: str, identifier: str, ip_address: str | None = None
) -> Device:
    """Register a device in `org`, taking one device seat."""
    _check_manager(actor, org, permissions.Action.MANAGE_DEVICES)
    blocked = permissions.org_inactive_reason(org, "register devices")
    if blocked:
        raise NotAllowed(blocked, code="org_inactive")
    pool = seats.take_device_seat(org)
    device = Device(
        organization=pool, name=name.strip(), identifier=identifier.strip(), registered_by=actor
    )
    device.full_clean()
    device.save()
    record_event(
        org=pool,
        actor=actor,
        action="device.register",
        target=device.identifier,
        detail={"name": device.name},
        ip_address=ip_address,
    )
    return device


@transaction.atomic
def remove_device(*, device: Device, actor, ip_address: str | None = None) -> None:
    """Remove a device; its seat is free at once."""
    org = device.organization
    _check_manager(actor, org, permissions.Action.MANAGE_DEVICES)
    seats.lock_pool(org)
    record_event(
        org=org,
        actor=actor,
        action="device.remove",
        target=device.identifier,
        detail={"name": device.name},
        ip_address=ip_address,
    )
    device.delete()

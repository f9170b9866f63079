"""Devices: each registered device takes one device seat of its org."""

from django.db import transaction

from .. import permissions, seats
from ..audit import record_event
from ..errors import NotAllowed, OrganizationError
from ..models import Device, Organization
from ._common import lock_and_authorize


@transaction.atomic
def register_device(
    *, org: Organization, actor, name: str, identifier: str, ip_address: str | None = None
) -> Device:
    """Register a device in `org`, taking one device seat."""
    org, _ = lock_and_authorize(org, actor, permissions.Action.MANAGE_DEVICES)
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
    org, _ = lock_and_authorize(device.organization, actor, permissions.Action.MANAGE_DEVICES)
    device = Device.objects.filter(organization=org, pk=device.pk).first()
    if device is None:
        raise OrganizationError("This device is no longer registered.", code="device_gone")
    record_event(
        org=org,
        actor=actor,
        action="device.remove",
        target=device.identifier,
        detail={"name": device.name},
        ip_address=ip_address,
    )
    device.delete()

import pytest
from django.core.management import call_command

from organizations.models import AuditEvent, Device, Membership, Organization

pytestmark = pytest.mark.django_db


def test_demo_data_loads_and_is_idempotent():
    call_command("load_demo_data", stdout=None)
    counts = (
        Organization.objects.count(),
        Membership.objects.count(),
        Device.objects.count(),
        AuditEvent.objects.count(),
    )
    call_command("load_demo_data", stdout=None)
    assert counts == (
        Organization.objects.count(),
        Membership.objects.count(),
        Device.objects.count(),
        AuditEvent.objects.count(),
    )
    globex = Organization.objects.get(name="globex")
    assert globex.is_reseller
    kinds = set(globex.children.values_list("kind", flat=True))
    assert kinds == {"group", "customer"}
    assert Organization.objects.get(name="globex-emea-sales").parent.name == "globex-emea"
    assert Organization.objects.get(name="acme").memberships.count() == 4

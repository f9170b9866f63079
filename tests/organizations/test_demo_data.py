import pytest
from django.core.management import call_command

from organizations.models import (
    AuditEvent,
    Device,
    Membership,
    Organization,
    OrganizationalUnit,
    Team,
    Workspace,
)

pytestmark = pytest.mark.django_db


def counts():
    return [
        m.objects.count() for m in (Organization, Team, OrganizationalUnit, Workspace, AuditEvent)
    ]


def test_demo_data_has_acme_structure_and_is_idempotent():
    call_command("load_demo_data", stdout=None)
    first = counts()
    acme = Organization.objects.get(name="acme")
    engineering = acme.teams.get(name="Engineering")
    assert sorted(engineering.members.values_list("user__email", flat=True)) == [
        "admin@acme.test",
        "dev@acme.test",
    ]
    assert OrganizationalUnit.objects.get(name="Platform").parent.name == "Product"
    assert Workspace.objects.get(name="Infrastructure").members.count() == 2
    assert Workspace.objects.get(name="Sandbox").unit is None
    call_command("load_demo_data")
    assert counts() == first


def test_demo_data_has_a_reseller_and_devices_and_is_idempotent():
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


def test_demo_data_shows_the_approval_queue_and_is_idempotent():
    call_command("load_demo_data", stdout=None)
    first = counts()
    statuses = dict(Organization.objects.values_list("name", "status"))
    assert statuses["acme"] == statuses["acme-labs"] == statuses["globex"] == "active"
    assert statuses["initrode"] == statuses["hooli"] == "pending"
    assert statuses["vandelay"] == "rejected"
    assert "registration number" in Organization.objects.get(name="vandelay").rejection_reason
    # acme, acme-labs, globex, umbrella; and wayne (enterprise sign-in's demo org).
    assert AuditEvent.objects.filter(action="org.approve").count() == 5
    assert statuses["umbrella"] == "suspended"
    assert "spam" in Organization.objects.get(name="umbrella").suspension_reason
    call_command("load_demo_data", stdout=None)
    assert counts() == first


def test_the_demo_has_one_account_with_an_authenticator_app_and_prints_how_to_sign_in():
    import io
    import re

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    totp = Authenticator.objects.get(user__email="owner@globex.test", type="totp")
    printed = re.search(r"right now: (\d{6})", out.getvalue()).group(1)
    assert TOTP(totp).validate_code(printed)
    assert not Authenticator.objects.filter(user__email="owner@acme.test").exists()
    call_command("load_demo_data", stdout=io.StringIO())
    assert Authenticator.objects.filter(user__email="owner@globex.test").count() == 2


def test_demo_globex_requires_mfa_and_sends_member_to_set_it_up(client):
    """globex requires MFA; member@acme.test (no MFA) is sent to set it up there only,
    owner@globex.test (TOTP) opens it, and the other logins need no second factor."""
    from organizations.models import SecurityPolicy

    call_command("load_demo_data", stdout=None)
    call_command("load_demo_data", stdout=None)
    globex = Organization.objects.get(name="globex")
    assert SecurityPolicy.objects.get(organization=globex).require_mfa
    assert (
        AuditEvent.objects.filter(organization=globex, action="org.security_policy_change").count()
        == 1
    )

    client.post("/accounts/login/", {"login": "member@acme.test", "password": "orgportal-demo"})
    assert client.get("/o/globex/").url == "/orgs/mfa-required/"
    assert client.get("/o/acme/").status_code == 200
    client.post("/accounts/logout/")
    signed_in = client.post(
        "/accounts/login/", {"login": "owner@acme.test", "password": "orgportal-demo"}
    )
    assert signed_in.url == "/orgs/"

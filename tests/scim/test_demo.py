"""The demo's SCIM provisioning: wayne, its fixed demo token, and what it provisioned."""

import pytest
from django.core.management import call_command

from organizations.models import AuditEvent, Organization
from scim.management.commands.load_demo_scim import DEMO_SCIM_TOKEN
from scim.models import ScimToken, ScimUser
from scim.tokens import hash_token

pytestmark = pytest.mark.django_db


def test_demo_scim_token_lists_wayne_users(client, capsys):
    call_command("load_demo_data")
    call_command("load_demo_scim")
    call_command("load_demo_scim")  # again: nothing changes
    wayne = Organization.objects.get(name="wayne")
    assert wayne.display_name == "Wayne Enterprises"
    assert wayne.is_active
    token = ScimToken.objects.get(organization=wayne, revoked_at__isnull=True)
    assert token.token_hash == hash_token(DEMO_SCIM_TOKEN)
    assert ScimToken.objects.filter(organization=wayne).count() == 1
    assert ScimUser.objects.filter(organization=wayne).count() == 2
    out = capsys.readouterr().out
    assert DEMO_SCIM_TOKEN in out
    assert "/scim/v2/wayne/Users" in out and "curl" in out

    response = client.get(
        "/scim/v2/wayne/Users", headers={"Authorization": f"Bearer {DEMO_SCIM_TOKEN}"}
    )
    assert response.status_code == 200
    assert {r["userName"] for r in response.json()["Resources"]} == {
        "lucius@wayne.test",
        "alfred@wayne.test",
    }
    provisioned = AuditEvent.objects.filter(organization=wayne, action="member.add")
    assert all(e.actor_label.startswith("SCIM token") for e in provisioned)

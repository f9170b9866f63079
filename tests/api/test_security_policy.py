"""The organization security policy over the API.

Allowed email domains bind the API's invitations and added members as they bind the
portal's. The portal's MFA gate is for browser sessions, not tokens; but an org client
acts on behalf of the person who created it: while its org requires MFA and that person
has none, its calls are refused with `mfa_required`. Platform clients are not an org's.
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from organizations import services

from ..factories import UserFactory
from .conftest import as_json

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXP"


def set_policy(org, actor, **values):
    return services.update_security_policy(
        org=org,
        actor=actor,
        **{
            "require_mfa": False,
            "allowed_email_domains": [],
            "session_lifetime_hours": None,
            "reauthentication_minutes": None,
            **values,
        },
    )


def org_url(org):
    return f"/api/v2/organizations/{org.public_id}"


def test_an_invitation_outside_the_allowed_domains_is_refused(platform_api, org, owner):
    set_policy(org, owner, allowed_email_domains=["example.com"])
    response = platform_api.post(
        f"{org_url(org)}/invitations",
        {"inviter": {"name": "Acme HR"}, "invitee": {"email": "eve@elsewhere.test"}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert as_json(response)["errorCode"] == "domain_not_allowed"
    assert "example.com" in as_json(response)["message"]
    allowed = platform_api.post(
        f"{org_url(org)}/invitations",
        {"inviter": {"name": "Acme HR"}, "invitee": {"email": "ada@example.com"}},
        format="json",
    )
    assert allowed.status_code == 201, allowed.content


def test_a_member_outside_the_allowed_domains_is_not_added(platform_api, org, owner):
    set_policy(org, owner, allowed_email_domains=["example.com"])
    outsider = UserFactory(email="eve@elsewhere.test")
    response = platform_api.post(
        f"{org_url(org)}/members", {"members": [f"usr_{outsider.pk}"]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert as_json(response)["errorCode"] == "domain_not_allowed"
    assert not org.memberships.filter(user=outsider).exists()


def test_an_org_client_of_a_creator_without_mfa_is_refused_while_mfa_is_required(
    api, make_org_client, org, owner
):
    TOTP.activate(owner, SECRET)
    set_policy(org, owner, require_mfa=True)
    admin = UserFactory(email="admin@example.com")
    services.add_member(org=org, user=admin, actor=owner, role="admin")
    # Created before the admin lost (here: never had) MFA, e.g. before the policy.
    http = api(make_org_client(org, actor=admin))
    response = http.get(org_url(org))
    assert response.status_code == 403
    body = as_json(response)
    assert body["errorCode"] == "mfa_required"
    assert "two-factor authentication" in body["message"]
    TOTP.activate(admin, SECRET)
    assert http.get(org_url(org)).status_code == 200


def test_the_api_is_not_behind_the_portals_mfa_gate(api, make_org_client, platform_api, org, owner):
    TOTP.activate(owner, SECRET)
    set_policy(org, owner, require_mfa=True)
    # A client made by a member with MFA: its token works, no browser step asked.
    assert api(make_org_client(org)).get(org_url(org)).status_code == 200
    # A platform client is nobody's delegate in the org.
    assert platform_api.get(org_url(org)).status_code == 200


def test_without_the_requirement_a_creator_without_mfa_is_fine(api, make_org_client, org):
    assert api(make_org_client(org)).get(org_url(org)).status_code == 200

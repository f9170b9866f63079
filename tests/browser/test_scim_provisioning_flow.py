"""An owner turns SCIM provisioning on from the Provisioning tab, the identity provider
adds someone with the token shown once, and the owner revokes the token after
confirming: the provider is refused from then on."""

import json
import urllib.error
import urllib.request

import pytest

from organizations.models import Organization
from scim.models import ScimToken

from ..factories import PASSWORD, OrganizationFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]


def scim_get(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def scim_create(url: str, token: str, email: str) -> int:
    request = urllib.request.Request(
        url,
        method="POST",
        data=json.dumps({"userName": email}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_owner_creates_uses_and_revokes_the_scim_token(page, live_server):
    org = OrganizationFactory(name="gotham", display_name="Gotham <b>Labs</b>")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=5)
    owner = org.created_by

    page.goto("/accounts/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"/o/{org.name}/")
    page.get_by_role("link", name="Provisioning").click()
    expect(page.get_by_test_id("scim-base-url")).to_have_text(
        f"{live_server.url}/scim/v2/{org.name}"
    )
    page.get_by_test_id("create-token").click()
    token = page.get_by_test_id("new-token-value").input_value()
    assert token.startswith("scim_")

    users = f"{live_server.url}/scim/v2/{org.name}/Users"
    assert scim_create(users, token, "robin@gotham.test") == 201
    assert org.memberships.filter(user__email="robin@gotham.test").exists()

    page.goto(f"/o/{org.name}/provisioning/")
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # shown once only
    expect(page.get_by_test_id("live-token")).to_contain_text("last used")
    page.get_by_role("link", name="Revoke…").click()
    expect(page.get_by_role("heading", name="Revoke the SCIM token")).to_be_visible()
    assert ScimToken.objects.get(organization=org).revoked_at is None
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("live-token")).to_contain_text("No token")
    assert scim_get(users, token) == 401

    page.goto(f"/o/{org.name}/audit/")
    expect(page.locator("body")).to_contain_text("SCIM token scim_")

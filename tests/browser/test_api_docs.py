"""The Management API's reference page renders from the project's own files, and an
owner creates an API client whose secret, shown once, gets a token that works."""

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from api.models import ApiClient

from ..api.conftest import get_token
from ..factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = pytest.mark.browser


def test_the_docs_render_with_no_request_leaving_the_site(page, live_server):
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if request.resource_type != "image"
            and not request.url.startswith((live_server.url, "data:", "blob:"))
            else None
        ),
    )
    response = page.goto("/api/v2/docs/")
    # Redoc's footer logo comes from its CDN: the page's own policy refuses such images.
    assert '<meta http-equiv="Content-Security-Policy" content="img-src \'self\' data:">' in (
        response.text()
    )
    expect(page.get_by_text("Orgportal Management API").first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v2/organizations").first).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert outside == []


def test_an_owner_creates_a_client_and_its_secret_works(page):
    owner = UserFactory(email="owner@example.com")
    org = OrganizationFactory(created_by=owner, name="acme")
    page.goto("/accounts/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"/o/{org.name}/")
    page.get_by_role("link", name="API clients").click()
    expect(page.get_by_text("No API clients yet")).to_be_visible()
    page.fill("input[name=name]", "CI")
    page.locator("input[value='read:organizations']").check()
    page.get_by_role("button", name="Create client").click()
    secret = page.get_by_test_id("client-secret").input_value()
    client_id = page.locator("#new-client-id").input_value()
    assert ApiClient.objects.get(organization=org).client_id == client_id
    token = get_token(APIClient(), client_id, secret)
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert [o["name"] for o in http.get("/api/v2/organizations").json()] == ["acme"]
    page.reload()
    expect(page.get_by_test_id("client-secret")).to_have_count(0)
    expect(page.get_by_test_id("api-clients")).to_contain_text("CI")

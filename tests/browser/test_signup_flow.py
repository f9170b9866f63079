"""A new person signs up, confirms their address, and creates their first organization.

With the defaults of a new install (auto-approve off) it waits for approval."""

import re
import uuid

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]

CONFIRM_LINK = r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/"


def test_sign_up_confirm_and_create_first_organization(page, read_link):
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.com"
    password = "a-long-Passphrase-4-signup"

    page.goto("/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.select_option("select[name=account_type]", "business")
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    # The link from the email, opened in the same browser that signed up.
    page.goto(read_link(CONFIRM_LINK))
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/orgs/$"))
    empty_state = page.get_by_test_id("empty-state")
    expect(empty_state).to_contain_text("You don't belong to an organization yet — create one")
    expect(page.locator("nav")).to_contain_text(email)

    empty_state.get_by_role("link", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/orgs/new/$"))
    page.locator("#id_display_name").press_sequentially("Brave Néw Widgets")
    expect(page.locator("#id_name")).to_have_value("brave-new-widgets")
    page.get_by_role("button", name="Create organization").click()

    expect(page).to_have_url(re.compile(r"/o/brave-new-widgets/$"))
    expect(page.locator("h1")).to_contain_text("Brave Néw Widgets")
    expect(page.get_by_test_id("org-status")).to_have_text("Pending approval")
    expect(page.get_by_test_id("pending-banner")).to_be_visible()
    expect(page.get_by_test_id("your-role")).to_contain_text("Owner")
    expect(page.locator(".messages")).to_contain_text(
        "Organization “Brave Néw Widgets” was submitted: it is waiting for approval"
    )

    # The account type chosen at sign-up shows in the profile.
    page.goto("/accounts/profile/")
    expect(page.locator("select[name=account_type]")).to_have_value("business")
    page.screenshot(path="/tmp/dashboard.png", full_page=True)

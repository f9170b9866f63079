"""With auto-approve off, a user registers an org, a platform admin approves it in the
queue, the user gets the email and can now invite."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser]

APPROVED_LINK = r"https?://[^\s]+/o/rocket-co/"


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()


def test_register_wait_get_approved_and_invite(page, browser, live_server, read_link, settings):
    settings.SITE_URL = live_server.url  # the links the emails carry
    requester = UserFactory(email="rita@example.com", first_name="Rita", last_name="Quest")
    approver = UserFactory(email="pat@example.com", is_staff=True, is_superuser=True)

    # The user registers an organization: it waits for approval.
    sign_in(page, requester)
    page.goto("/orgs/new/")
    expect(page.get_by_test_id("needs-approval")).to_be_visible()
    page.fill("input[name=display_name]", "Rocket Co")
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/o/rocket-co/$"))
    expect(page.get_by_test_id("pending-banner")).to_contain_text("Waiting for approval")
    expect(page.get_by_role("link", name="Invitations")).to_be_visible()
    page.goto("/o/rocket-co/invitations/new/")
    expect(page.locator("main")).to_contain_text("waiting for approval")

    # A platform admin, in a browser of their own, approves it from the queue.
    admin_context = browser.new_context(base_url=live_server.url)
    admin_context.set_default_timeout(5_000)
    admin = admin_context.new_page()
    try:
        sign_in(admin, approver)
        expect(admin.get_by_test_id("approvals-badge")).to_have_text("1")
        admin.get_by_test_id("approvals-link").click()
        expect(admin).to_have_url(re.compile(r"/staff/approvals/$"))
        row = admin.get_by_test_id("request-rocket-co")
        expect(row).to_contain_text("Rocket Co")
        expect(row).to_contain_text("rita@example.com")
        admin.get_by_test_id("approve-rocket-co").click()
        expect(admin.get_by_role("alert")).to_contain_text("Rocket Co approved")
        expect(admin.get_by_test_id("queue-empty")).to_be_visible()
        expect(admin.get_by_test_id("approvals-badge")).to_have_count(0)
    finally:
        admin_context.close()

    # The user gets the email, follows it, and can now invite.
    link = read_link(APPROVED_LINK)
    page.goto(link)
    expect(page.get_by_test_id("org-status")).to_have_text("Active")
    expect(page.get_by_test_id("pending-banner")).to_have_count(0)
    page.get_by_role("link", name="Invitations").click()
    page.get_by_role("link", name="Invite members").click()
    page.fill("textarea[name=emails]", "teammate@example.com")
    page.get_by_role("button", name="Send invitations").click()
    expect(page).to_have_url(re.compile(r"/o/rocket-co/invitations/$"))
    expect(page.get_by_role("alert")).to_contain_text("1 invitation sent.")

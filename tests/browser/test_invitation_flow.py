"""An owner invites an address; a newcomer signs up through the emailed link and joins."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser]

INVITATION_LINK = r"https?://[^\s]+/invitations/accept/[A-Za-z0-9_-]+/"


def test_invite_sign_up_through_the_link_and_land_on_the_dashboard(
    page, browser, live_server, read_link, settings
):
    settings.SITE_URL = live_server.url  # the links the emails carry
    owner = UserFactory(email="olivia@example.com", first_name="Olivia", last_name="Owner")
    OrganizationFactory(created_by=owner, name="acme", display_name="Acme Corporation")

    # The owner signs in and invites an address.
    page.goto("/accounts/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto("/o/acme/")
    page.get_by_role("link", name="Invitations").click()
    page.get_by_role("link", name="Invite members").click()
    page.fill("textarea[name=emails]", "newcomer@example.com")
    page.fill("input[name=first_name]", "Nina")
    page.get_by_role("button", name="Send invitations").click()
    expect(page).to_have_url(re.compile(r"/o/acme/invitations/$"))
    expect(page.get_by_role("alert")).to_contain_text("1 invitation sent.")
    row = page.get_by_test_id("invitation-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("newcomer@example.com")
    expect(row).to_contain_text("Olivia Owner")

    # The newcomer, in a browser of their own, follows the link from the email.
    link = read_link(INVITATION_LINK)
    newcomer = browser.new_context(base_url=live_server.url)
    newcomer.set_default_timeout(5_000)
    invitee = newcomer.new_page()
    try:
        invitee.goto(link)
        # The token left the address bar at once; no account yet, so: sign up.
        expect(invitee).to_have_url(re.compile(r"/accounts/signup/$"))
        assert "/invitations/accept/" not in invitee.url
        expect(invitee.get_by_test_id("signup-invitation")).to_contain_text("Acme Corporation")
        email_field = invitee.locator("input[name=email]")
        expect(email_field).to_have_value("newcomer@example.com")
        expect(email_field).to_have_attribute("readonly", "")
        invitee.fill("input[name=password1]", "a-long-Passphrase-4-invite")
        invitee.fill("input[name=password2]", "a-long-Passphrase-4-invite")
        invitee.locator("form button[type=submit]").last.click()

        # No confirmation email: the link proved the address. Straight to the dashboard.
        expect(invitee).to_have_url(re.compile(r"/o/acme/$"))
        expect(invitee.locator("h1")).to_contain_text("Acme Corporation")
        expect(invitee.get_by_test_id("your-role")).to_contain_text("Member")
        expect(
            invitee.get_by_role("alert").filter(has_text="Welcome to Acme Corporation!")
        ).to_have_count(1)
    finally:
        newcomer.close()

    # The owner's pending list no longer shows the invitation.
    page.reload()
    expect(page.get_by_test_id("invitation-row")).to_have_count(0)
    expect(page.get_by_test_id("no-invitations")).to_be_visible()

"""An org requires MFA: its owner turns the policy on; a member without MFA opening a
page of it is sent to set up an authenticator app, then comes back to that page."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from organizations.models import Membership, SecurityPolicy

from ..factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]

OWNER_SECRET = "JBSWY3DPEHPK3PXP"


def code_for(secret: str) -> str:
    """The code an authenticator app shows now, taken early enough in its 30-second
    step that it is still valid when the browser submits it."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(5_000)
    return context, context.new_page()


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()


def test_owner_requires_mfa_and_a_member_sets_it_up_then_returns(
    browser, live_server, transactional_db
):
    owner = UserFactory(email="owner@example.com")
    TOTP.activate(owner, OWNER_SECRET)
    org = OrganizationFactory(created_by=owner, name="strict", display_name="Strict Co")
    member = MembershipFactory(
        organization=org, user=UserFactory(email="mia@example.com"), role=Membership.Role.MEMBER
    ).user
    other = OrganizationFactory(name="relaxed", display_name="Relaxed Co")
    MembershipFactory(organization=other, user=member)

    # The owner signs in with their second factor and turns the policy on.
    context, page = new_page(browser, live_server)
    sign_in(page, owner.email)
    page.fill("input[name=code]", code_for(OWNER_SECRET))
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    page.goto("/o/strict/")
    page.get_by_role("link", name="Security").click()
    page.get_by_label("Require two-factor authentication").check()
    page.get_by_role("button", name="Save security policy").click()
    # A sensitive change: the password again, then the save goes through.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("alert").first).to_contain_text("Security policy saved.")
    assert SecurityPolicy.objects.get(organization=org).require_mfa
    # The members page shows who lacks MFA.
    page.goto("/o/strict/members/?mfa=missing")
    expect(page.locator("[data-testid=member-row]")).to_have_count(1)
    expect(page.locator("[data-testid=member-row]")).to_contain_text("mia@example.com")
    context.close()

    # The member: the other org stays open, this one sends them to the set-up.
    context, page = new_page(browser, live_server)
    sign_in(page, member.email)
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    page.goto("/o/relaxed/")
    expect(page.get_by_role("heading", name="Relaxed Co")).to_be_visible()
    page.goto("/o/strict/teams/")
    expect(page).to_have_url(re.compile(r"/orgs/mfa-required/$"))
    expect(page.locator("[data-testid=mfa-required]")).to_contain_text("Strict Co")
    page.get_by_role("link", name="Set up an authenticator app").click()
    # allauth asks for the password first, then shows the key.
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", code_for(secret))
    page.locator("main form button[type=submit]").first.click()
    # The recovery codes page, with the way back.
    banner = page.locator("[data-testid=mfa-gate-banner]")
    expect(banner).to_contain_text("Strict Co")
    banner.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/o/strict/teams/$"))
    expect(page.locator("[data-testid=mfa-gate-banner]")).to_have_count(0)
    context.close()

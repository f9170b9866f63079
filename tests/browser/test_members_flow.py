"""An owner promotes a member to admin; the admin removes another member, whose open
session loses access to the org at once."""

import re

import pytest

from organizations.models import Membership

from ..factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]


@pytest.fixture
def signed_in(browser, live_server, transactional_db):
    """`signed_in(user)`: a page in a browser context of its own (one person's browser),
    signed in through the login form. Uses the `browser` fixture of tests/browser/conftest.py."""
    contexts = []

    def sign_in(user):
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(5_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").last.click()
        expect(page).to_have_url(re.compile(r"/orgs/$"))
        return page

    yield sign_in
    for context in contexts:
        context.close()


def member_row(page, email):
    return page.locator(f"[data-testid=member-row][data-email='{email}']")


def test_promote_then_remove_ends_the_open_session(signed_in):
    owner = UserFactory(email="olivia@example.com")
    org = OrganizationFactory(created_by=owner, name="acme", display_name="Acme Corporation")
    promoted = MembershipFactory(organization=org, user=UserFactory(email="adam@example.com")).user
    removed = MembershipFactory(organization=org, user=UserFactory(email="mia@example.com")).user

    removed_page = signed_in(removed)
    removed_page.goto("/o/acme/")
    expect(removed_page.locator("h1")).to_contain_text("Acme Corporation")

    owner_page = signed_in(owner)
    owner_page.goto("/o/acme/members/")
    member_row(owner_page, promoted.email).get_by_role("link", name="Edit").click()
    owner_page.select_option("select[name=role]", "admin")
    owner_page.get_by_role("button", name="Save").click()
    expect(owner_page.get_by_role("alert")).to_contain_text(f"{promoted.email} saved.")
    expect(member_row(owner_page, promoted.email).get_by_test_id("member-role")).to_have_text(
        "Admin"
    )

    admin_page = signed_in(promoted)
    admin_page.goto("/o/acme/members/")
    expect(admin_page.get_by_role("link", name="Audit log")).to_be_visible()
    member_row(admin_page, removed.email).get_by_role("link", name="Remove").click()
    expect(admin_page.locator("h2")).to_contain_text(f"Remove {removed.email}?")
    admin_page.get_by_test_id("confirm").click()
    expect(admin_page.get_by_role("alert")).to_contain_text("was removed")
    expect(member_row(admin_page, removed.email)).to_have_count(0)

    # The removed member's session was open all along; its next request is refused.
    response = removed_page.goto("/o/acme/")
    assert response.status == 404
    assert not Membership.objects.filter(organization=org, user=removed).exists()
    removed_page.goto("/orgs/")
    expect(removed_page.get_by_test_id("empty-state")).to_be_visible()

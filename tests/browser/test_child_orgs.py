"""A reseller's owner creates a group and a customer and watches the seat bars move."""

import re

import pytest

from organizations.models import Organization

from ..factories import PASSWORD, OrganizationFactory, UserFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/orgs/$"))


def test_reseller_creates_group_and_customer_and_sees_seats_change(page):
    owner = UserFactory(email="reseller-owner@example.com")
    OrganizationFactory(
        created_by=owner,
        name="resell",
        display_name="Resell Inc",
        is_reseller=True,
        user_seat_limit=30,
        device_seat_limit=10,
    )
    sign_in(page, owner.email)

    page.goto("/o/resell/")
    expect(page.get_by_test_id("seats-users-available")).to_have_text("29")
    page.get_by_role("link", name="Child organizations").click()
    expect(page.get_by_text("No child organizations yet")).to_be_visible()

    # A group takes its seats out of the reseller's pool.
    page.get_by_role("link", name="New group").first.click()
    page.locator("#id_display_name").press_sequentially("Support Team")
    expect(page.locator("#id_name")).to_have_value("support-team")
    expect(page.locator("#id_admin_email")).to_have_value(owner.email)
    invite = page.locator("#id_invite_members")
    page.fill("#id_user_seats", "1")
    expect(invite).to_be_disabled()
    page.fill("#id_user_seats", "8")
    expect(invite).to_be_enabled()
    page.fill("#id_device_seats", "4")
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("alert")).to_contain_text("Group “Support Team” created.")
    expect(page.get_by_test_id("seats-users-allotted")).to_have_text("8")
    expect(page.get_by_test_id("seats-users-available")).to_have_text("21")
    expect(page.get_by_test_id("seats-devices-available")).to_have_text("6")

    # A customer brings a pool of its own: the reseller's bars do not move.
    page.get_by_role("link", name="New customer").first.click()
    page.locator("#id_display_name").press_sequentially("Client Co")
    page.fill("#id_user_seats", "50")
    page.fill("#id_device_seats", "20")
    page.get_by_role("button", name="Create customer").click()
    expect(page.get_by_role("alert")).to_contain_text("Customer “Client Co” created.")
    expect(page.get_by_test_id("seats-users-available")).to_have_text("21")
    tree = page.get_by_test_id("child-tree")
    expect(tree).to_contain_text("Support Team")
    expect(tree).to_contain_text("Client Co")

    # Raising the group's allotment beyond the pool is refused with the numbers.
    page.get_by_role("row", name=re.compile("Support Team")).get_by_role(
        "link", name="Seats"
    ).click()
    page.fill("#id_user_seats", "40")
    page.get_by_role("button", name="Save seats").click()
    expect(page.locator("main form")).to_contain_text("only 21 user seats left")
    page.fill("#id_user_seats", "10")
    page.get_by_role("button", name="Save seats").click()
    expect(page.get_by_test_id("seats-users-available")).to_have_text("19")
    page.screenshot(path="/tmp/children.png", full_page=True)
    assert Organization.objects.get(name="support-team").user_seat_limit == 10

"""An owner enters a card in the Elements form (localstripe's Stripe.js), chooses a plan,
buys 5 more seats, and the dashboard's seat bar grows; the card never reaches us."""

import re

import pytest

from billing import services
from billing.models import BillingAccount

from ..billing.conftest import (  # noqa: F401 (fixtures)
    DETAILS,
    localstripe_url,
    plans,
    stripe_on,
)
from ..billing.scan import card_data_found
from ..factories import PASSWORD, OrganizationFactory, UserFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/orgs/$"))


def test_owner_adds_a_card_buys_seats_and_the_seat_bar_grows(page, stripe_on, plans):  # noqa: F811
    owner = UserFactory(email="olivia@example.com")
    org = OrganizationFactory(created_by=owner, name="acme", display_name="Acme Corporation")
    services.update_billing_details(org=org, actor=owner, **DETAILS)
    sign_in(page, owner)

    page.goto("/o/acme/")
    page.get_by_test_id("billing-tab").click()
    expect(page.get_by_test_id("card-on-file")).to_have_text("No card on file.")
    page.get_by_test_id("update-card").click()
    # A billing change asks for the password again first.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/o/acme/billing/card/$"))

    # localstripe's Card Element: plain inputs it mounts inside #card-element.
    element = page.get_by_test_id("card-element")
    element.locator("input[placeholder=number]").fill("4242424242424242")
    element.locator("input[placeholder=exp_month]").fill("12")
    element.locator("input[placeholder=exp_year]").fill("31")
    element.locator("input[placeholder=cvc]").fill("737")
    element.locator("input[placeholder=postal_code]").fill("12345")
    page.get_by_test_id("card-submit").click()
    expect(page.get_by_test_id("card-on-file")).to_have_text("Visa •••• 4242")

    page.get_by_test_id("change-plan").click()
    page.get_by_role("radio", name=re.compile(r"Team")).check()
    page.fill("input[name=user_seats]", "10")
    page.get_by_test_id("plan-submit").click()
    expect(page.get_by_test_id("billing-plan")).to_have_text("Team")

    page.goto("/o/acme/")
    expect(page.get_by_test_id("seats-users-limit")).to_have_text("10")
    bar_before = (
        page.get_by_test_id("seats-users").locator(".progress").first.get_attribute("aria-valuenow")
    )

    page.get_by_test_id("billing-tab").click()
    page.get_by_test_id("seats-input").fill("15")
    page.get_by_test_id("seats-submit").click()
    expect(page.get_by_role("alert")).to_contain_text("Bought 5 more user seats")

    page.goto("/o/acme/")
    expect(page.get_by_test_id("seats-users-limit")).to_have_text("15")
    bar_after = (
        page.get_by_test_id("seats-users").locator(".progress").first.get_attribute("aria-valuenow")
    )
    assert int(bar_after) < int(bar_before)  # the same use is a smaller share of more seats

    account = BillingAccount.objects.get(organization=org)
    assert (account.subscription_quantity, account.card_last4) == (15, "4242")
    assert card_data_found(number="4242424242424242", cvc="737") == []

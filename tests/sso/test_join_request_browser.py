"""A request to join end to end: a user of a verified domain asks on the org's login
page, an owner approves it from the members page, and the user gets into the org."""

import re

import pytest
from django.utils import timezone

from organizations.models import Membership
from sso.models import JoinRequest, SsoPolicy, VerifiedDomain

from ..factories import PASSWORD, OrganizationFactory, UserFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]


@pytest.fixture
def signed_in(browser, live_server, transactional_db):
    """`signed_in(user)`: a page in a browser context of its own (one person's browser),
    signed in through the login form."""
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


def test_a_domain_user_asks_an_owner_approves_and_the_user_gets_in(signed_in):
    owner = UserFactory(email="olivia@acme.test")
    org = OrganizationFactory(created_by=owner, name="acme", display_name="Acme Corporation")
    VerifiedDomain.objects.create(organization=org, domain="acme.test", verified_at=timezone.now())
    SsoPolicy.objects.create(organization=org, domain_join=SsoPolicy.DomainJoin.REQUEST)
    ada = UserFactory(email="ada@acme.test", first_name="Ada", last_name="Lovelace")

    ada_page = signed_in(ada)
    assert ada_page.goto("/o/acme/").status == 404
    ada_page.goto("/o/acme/login/")
    ada_page.get_by_label("Message to the admins (optional)").fill("I run the <b>lab</b>.")
    ada_page.get_by_role("button", name="Request to join Acme Corporation").click()
    expect(ada_page.get_by_test_id("join-request-pending")).to_contain_text("Request pending")
    expect(ada_page.get_by_role("button", name="Request to join Acme Corporation")).to_have_count(0)

    owner_page = signed_in(owner)
    owner_page.goto("/o/acme/members/")
    link = owner_page.get_by_test_id("join-requests-link")
    expect(link).to_contain_text("Join requests 1")
    link.click()
    expect(owner_page).to_have_url(re.compile(r"/o/acme/members/join-requests/$"))
    row = owner_page.locator("[data-testid=join-request-row][data-email='ada@acme.test']")
    expect(row).to_contain_text("Ada Lovelace")
    expect(row).to_contain_text("I run the <b>lab</b>.")
    row.get_by_role("button", name="Approve").click()
    expect(owner_page.get_by_role("alert")).to_contain_text(
        "ada@acme.test joined Acme Corporation."
    )
    expect(owner_page.get_by_test_id("empty-state")).to_be_visible()

    ada_page.goto("/o/acme/")
    expect(ada_page.locator("h1")).to_contain_text("Acme Corporation")
    assert Membership.objects.get(organization=org, user=ada).role == Membership.Role.MEMBER
    assert JoinRequest.objects.get().status == JoinRequest.Status.APPROVED


def test_an_admin_declines_after_confirming(signed_in):
    owner = UserFactory(email="olivia@acme.test")
    org = OrganizationFactory(created_by=owner, name="acme", display_name="Acme Corporation")
    VerifiedDomain.objects.create(organization=org, domain="acme.test", verified_at=timezone.now())
    SsoPolicy.objects.create(organization=org, domain_join=SsoPolicy.DomainJoin.REQUEST)
    eve = UserFactory(email="eve@acme.test")
    JoinRequest.objects.create(organization=org, user=eve, email=eve.email)

    owner_page = signed_in(owner)
    owner_page.goto("/o/acme/members/join-requests/")
    owner_page.get_by_test_id("join-request-decline").click()
    expect(owner_page.get_by_role("heading", level=2)).to_contain_text(
        "Decline the request from eve@acme.test?"
    )
    owner_page.get_by_test_id("confirm").click()
    expect(owner_page.get_by_role("alert")).to_contain_text("was declined")
    assert JoinRequest.objects.get().status == JoinRequest.Status.DECLINED
    assert not Membership.objects.filter(organization=org, user=eve).exists()

"""Enterprise sign-in end to end: the portal signs people in through a real OpenID
Provider (a second Orgportal process running allauth.idp.oidc, see tests/sso/idp.py)."""

import re

import pytest

from organizations.models import AuditEvent, Membership, Organization
from sso.models import OidcConnection

from ..factories import PASSWORD, UserFactory
from .idp import wayne_org, wayne_saml_org

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]


def sign_in_at_the_provider(page, idp, email):
    expect(page).to_have_url(re.compile("^" + re.escape(idp.url) + "/accounts/login/"))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()


def test_an_existing_user_signs_in_on_the_org_login_page_and_joins(page, demo_idp):
    org, _ = wayne_org(idp=demo_idp, primary_color="#123456")
    lucius = UserFactory(email="lucius@wayne.test")
    page.goto("/o/wayne/login/")
    expect(page.get_by_role("heading", name="Sign in to Wayne Enterprises")).to_be_visible()
    page.get_by_role("button", name="Sign in with Wayne SSO").click()
    sign_in_at_the_provider(page, demo_idp, "lucius@wayne.test")
    expect(page).to_have_url(re.compile(r"/o/wayne/$"))
    expect(page.get_by_text("You joined Wayne Enterprises.")).to_be_visible()
    membership = Membership.objects.get(organization=org, user=lucius)
    assert membership.role == Membership.Role.MEMBER
    assert AuditEvent.objects.filter(organization=org, action="member.join_sso").exists()


def test_a_new_user_types_a_domain_address_on_the_login_page(page, demo_idp):
    org, _ = wayne_org(idp=demo_idp)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "newbie@wayne.test")
    page.locator("form button[type=submit]").last.click()
    sign_in_at_the_provider(page, demo_idp, "newbie@wayne.test")
    expect(page).to_have_url(re.compile(r"/o/wayne/$"))
    expect(page.get_by_text("You joined Wayne Enterprises.")).to_be_visible()
    assert Membership.objects.filter(organization=org, user__email="newbie@wayne.test").exists()


def test_without_membership_on_login_an_existing_user_is_only_signed_in(page, demo_idp):
    org, _ = wayne_org(idp=demo_idp, assign_membership=False)
    UserFactory(email="lucius@wayne.test")
    page.goto("/o/wayne/login/")
    page.get_by_role("button", name="Sign in with Wayne SSO").click()
    sign_in_at_the_provider(page, demo_idp, "lucius@wayne.test")
    expect(page.get_by_role("button", name="lucius@wayne.test")).to_be_visible()
    assert not Membership.objects.filter(organization=org, user__email="lucius@wayne.test").exists()


def test_no_seat_left_shows_a_clear_page_and_adds_nobody(page, demo_idp):
    org, _ = wayne_org(idp=demo_idp)
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=1)
    page.goto("/o/wayne/login/")
    page.get_by_role("button", name="Sign in with Wayne SSO").click()
    sign_in_at_the_provider(page, demo_idp, "alfred@wayne.test")
    expect(page.get_by_test_id("no-seat")).to_contain_text("No seat is left in Wayne Enterprises")
    assert Membership.objects.filter(organization=org).count() == 1


def test_a_disabled_connection_is_not_offered(page, demo_idp):
    wayne_org(idp=demo_idp)
    OidcConnection.objects.update(enabled=False)
    page.goto("/o/wayne/login/")
    expect(page.get_by_role("heading", name="Sign in to Wayne Enterprises")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with Wayne SSO")).to_have_count(0)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "lucius@wayne.test")
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_the_provider_cannot_sign_in_an_address_outside_the_orgs_domains(page, demo_idp):
    wayne_org(idp=demo_idp)
    UserFactory(email="mallory@elsewhere.test")
    page.goto("/o/wayne/login/")
    page.get_by_role("button", name="Sign in with Wayne SSO").click()
    sign_in_at_the_provider(page, demo_idp, "mallory@elsewhere.test")
    page.goto("/orgs/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


# --- SAML --------------------------------------------------------------------------------


def sign_in_at_the_saml_idp(page, idp, email):
    expect(page).to_have_url(re.compile("^" + re.escape(idp.url) + "/sso/redirect"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_saml_an_existing_user_signs_in_on_the_org_login_page_and_joins(page, saml_idp):
    org, _ = wayne_saml_org(idp=saml_idp)
    lucius = UserFactory(email="lucius@wayne.test")
    page.goto("/o/wayne/login/")
    page.get_by_role("button", name="Sign in with Wayne SAML").click()
    sign_in_at_the_saml_idp(page, saml_idp, "lucius@wayne.test")
    expect(page).to_have_url(re.compile(r"/o/wayne/$"))
    expect(page.get_by_text("You joined Wayne Enterprises.")).to_be_visible()
    assert Membership.objects.filter(organization=org, user=lucius).exists()


def test_saml_a_new_user_types_a_domain_address_on_the_login_page(page, saml_idp):
    org, _ = wayne_saml_org(idp=saml_idp)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "newbie@wayne.test")
    page.locator("form button[type=submit]").last.click()
    sign_in_at_the_saml_idp(page, saml_idp, "newbie@wayne.test")
    expect(page).to_have_url(re.compile(r"/o/wayne/$"))
    assert Membership.objects.filter(organization=org, user__email="newbie@wayne.test").exists()


def test_saml_no_seat_left_shows_a_clear_page_and_adds_nobody(page, saml_idp):
    org, _ = wayne_saml_org(idp=saml_idp)
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=1)
    page.goto("/o/wayne/login/")
    page.get_by_role("button", name="Sign in with Wayne SAML").click()
    sign_in_at_the_saml_idp(page, saml_idp, "alfred@wayne.test")
    expect(page.get_by_test_id("no-seat")).to_contain_text("No seat is left in Wayne Enterprises")
    assert Membership.objects.filter(organization=org).count() == 1


def test_saml_a_disabled_connection_is_not_offered(page, saml_idp):
    wayne_saml_org(idp=saml_idp, enabled=False)
    page.goto("/o/wayne/login/")
    expect(page.get_by_role("button", name="Sign in with Wayne SAML")).to_have_count(0)
    response = page.request.get("/accounts/saml/saml-wayne-saml/login/")
    assert response.status == 404

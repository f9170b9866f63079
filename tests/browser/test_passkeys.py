"""Passkeys and security keys (allauth.mfa WebAuthn) in Chromium, under the portal's
Content-Security-Policy, with a software authenticator from Chromium's CDP WebAuthn
domain standing in for a phone or a USB key.
"""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession

from accounts.models import SignInEvent

from ..factories import PASSWORD, UserFactory
from .test_csp import CSPWatcher

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]


def add_virtual_authenticator(page) -> tuple:
    """A platform authenticator that keeps passkeys and verifies its user (a fingerprint)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    created = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, created["authenticatorId"]


def sign_in_with_password(page, email):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()


def reauthenticate_if_asked(page):
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").first.click()


def add_key(page, name: str, *, passkey: bool):
    page.goto("/accounts/2fa/webauthn/add/")
    reauthenticate_if_asked(page)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/add/"))
    page.fill("input[name=name]", name)
    page.locator("input[name=passwordless]").set_checked(passkey)
    page.locator("#mfa_webauthn_add").click()


def sign_out(page):
    page.goto("/accounts/logout/")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("nav")).to_contain_text("Sign in")


def test_add_a_passkey_sign_out_and_sign_in_with_it(browser, live_server, transactional_db):
    user = UserFactory(email="ada@example.com")
    watcher = CSPWatcher(browser, live_server)
    context = watcher.context()
    page = watcher.page(context)
    cdp, authenticator_id = add_virtual_authenticator(page)

    sign_in_with_password(page, user.email)
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    add_key(page, "Laptop fingerprint", passkey=True)

    # The first second factor comes with recovery codes, shown once.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    watcher.check(page, "passkey added")
    shown = page.get_by_test_id("recovery-codes").input_value().split()
    assert len(shown) == 10
    with page.expect_download() as download:
        page.get_by_test_id("recovery-download").click()
    with open(download.value.path()) as saved:
        assert saved.read().split() == shown
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop fingerprint"
    assert key.wrap().is_passwordless is True
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1
    assert credentials["credentials"][0]["isResidentCredential"] is True

    # The Security page names it.
    page.goto("/accounts/profile/security/")
    expect(page.get_by_test_id("security-keys")).to_contain_text("Laptop fingerprint")
    expect(page.get_by_test_id("security-keys")).to_contain_text("Passkey")
    watcher.check(page, "security page")

    # Signed out, the passkey alone signs in: no password, no code.
    sign_out(page)
    page.goto("/accounts/login/")
    watcher.check(page, "sign-in page")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    expect(page.locator("nav")).to_contain_text(user.email)
    watcher.check(page, "signed in with the passkey")
    # The sign-in history and the sessions list have it, as a passkey sign-in.
    latest = SignInEvent.objects.filter(user=user).order_by("-created_at", "-id").first()
    assert (latest.succeeded, latest.method) == (True, SignInEvent.Method.PASSKEY)
    assert UserSession.objects.filter(user=user).exists()
    page.goto("/accounts/profile/security/")
    expect(page.get_by_test_id("sign-in-row").first).to_contain_text("Passkey")
    watcher.check(page, "security page after the passkey")

    # Without the authenticator, the same button signs nobody in.
    sign_out(page)
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator_id})
    page.goto("/accounts/login/")
    add_virtual_authenticator(page)  # an empty one: it holds no passkey for this site
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_timeout(500)
    expect(page.locator("nav")).not_to_contain_text(user.email)
    context.close()
    assert watcher.hits == [], watcher.hits


def test_a_security_key_is_the_second_factor_after_the_password(
    browser, live_server, transactional_db
):
    user = UserFactory(email="grace@example.com")
    watcher = CSPWatcher(browser, live_server)
    context = watcher.context()
    page = watcher.page(context)
    add_virtual_authenticator(page)

    sign_in_with_password(page, user.email)
    add_key(page, "USB key", passkey=False)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().is_passwordless is not True  # not asked to be a passkey
    sign_out(page)

    # The password is no longer enough: the key is asked for next.
    sign_in_with_password(page, user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    watcher.check(page, "second factor")
    page.goto("/orgs/")
    expect(page).not_to_have_url(re.compile(r"/orgs/$"))
    page.goto("/accounts/2fa/authenticate/")
    page.get_by_role("button", name="Use a security key").click()
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    expect(page.locator("nav")).to_contain_text(user.email)
    latest = SignInEvent.objects.filter(user=user).order_by("-created_at", "-id").first()
    assert (latest.succeeded, latest.method, latest.second_factor) == (
        True,
        SignInEvent.Method.PASSWORD,
        SignInEvent.SecondFactor.WEBAUTHN,
    )
    context.close()
    assert watcher.hits == [], watcher.hits

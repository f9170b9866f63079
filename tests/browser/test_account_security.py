"""A user reads their sessions and sign-in history on the Security page, signs out their
phone from their laptop, then changes the password, which signs out every other browser."""

import re

import pytest

from ..factories import PASSWORD, UserFactory

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser]

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
LINUX_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def browsers(browser, live_server, transactional_db):
    """`browsers(user_agent)`: a page in a browser context of its own."""
    contexts = []

    def open_browser(user_agent):
        context = browser.new_context(base_url=live_server.url, user_agent=user_agent)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_browser
    for context in contexts:
        context.close()


def sign_in(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").last.click()


def test_sign_out_the_phone_then_change_the_password(browsers):
    user = UserFactory(email="ada@example.com")
    phone, laptop = browsers(IPHONE), browsers(LINUX_FIREFOX)
    sign_in(phone, user.email, "a-wrong-password")
    # The sign-in form (the page also has the passkey sign-in's form).
    sign_in_form = phone.locator("form", has=phone.locator("input[name=login]"))
    expect(sign_in_form).to_contain_text("not correct")
    sign_in(phone, user.email)
    expect(phone).to_have_url(re.compile(r"/orgs/$"))
    sign_in(laptop, user.email)
    expect(laptop).to_have_url(re.compile(r"/orgs/$"))

    laptop.goto("/accounts/profile/security/")
    sessions = laptop.get_by_test_id("security-sessions")
    expect(sessions.locator("h2")).to_have_text("Signed-in sessions (2)")
    expect(sessions.get_by_test_id("session-row").first).to_contain_text("this session")
    history = laptop.get_by_test_id("sign-in-row")
    expect(history).to_have_count(3)
    expect(history.nth(0)).to_contain_text("Firefox on Linux")
    expect(history.nth(1)).to_contain_text("Safari on iOS")
    expect(history.nth(2)).to_contain_text("Failed")

    phone_row = sessions.get_by_test_id("session-row").filter(has_text="Safari on iOS")
    phone_row.get_by_role("link", name="Sign out").click()
    expect(laptop.locator("h1")).to_have_text("Sign out Safari on iOS?")
    laptop.get_by_test_id("confirm").click()
    expect(laptop.get_by_role("alert").first).to_contain_text("Safari on iOS")
    expect(laptop.get_by_test_id("session-row")).to_have_count(1)
    phone.goto("/orgs/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))

    # Signed in again on the phone; a new password on the laptop signs it out at once.
    sign_in(phone, user.email)
    expect(phone).to_have_url(re.compile(r"/orgs/$"))
    laptop.goto("/accounts/password/change/")
    laptop.fill("input[name=oldpassword]", PASSWORD)
    laptop.fill("input[name=password1]", "a-new-and-longer-passphrase")
    laptop.fill("input[name=password2]", "a-new-and-longer-passphrase")
    laptop.locator("form button[type=submit]").last.click()
    expect(laptop.get_by_role("alert").first).to_contain_text("Password successfully changed")
    phone.goto("/orgs/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))
    laptop.goto("/accounts/profile/security/sessions/")
    expect(laptop.get_by_test_id("session-row")).to_have_count(1)
    expect(laptop.get_by_test_id("current-session")).to_be_visible()

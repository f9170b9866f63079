"""No page of the demo breaks the Content-Security-Policy, and the scripts that shape
forms keep working under it.

An init script records every `securitypolicyviolation` event, and console errors that
name the policy are recorded too, while an owner, an invitee and staff walk every page
the URL resolver knows and the Django admin's pages, on the demo data `make run` loads.
"""

import pytest
from allauth.usersessions.models import UserSession
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from accounts.models import User
from organizations.models import Device, Membership, Organization, OrganizationalUnit, Team

from ..factories import PASSWORD, invitation_with_token
from .test_hostile_text import _admin_urls, _walk_portal, sign_in

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "orgportal-demo"

INIT_SCRIPT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


class CSPWatcher:
    """Browser contexts that record every CSP violation of every page they show."""

    def __init__(self, browser, live_server):
        self.browser = browser
        self.live_server = live_server
        self.hits = []
        self.visited = []

    def context(self):
        context = self.browser.new_context(base_url=self.live_server.url)
        context.set_default_timeout(10_000)
        context.add_init_script(INIT_SCRIPT)
        return context

    def page(self, context):
        page = context.new_page()

        def on_console(message):
            text = message.text
            if "Content Security Policy" in text or "Content-Security-Policy" in text:
                self.hits.append((page.url, f"console: {text}"))

        page.on("console", on_console)
        return page

    def check(self, page, label: str = "") -> None:
        page.wait_for_load_state("load")
        page.wait_for_timeout(50)
        where = f"{label} {page.url}".strip()
        self.visited.append(where)
        for frame in page.frames:
            try:
                seen = frame.evaluate("() => window.__csp")
            except PlaywrightError:
                continue  # a sandboxed frame runs no script, the console still reports it
            for hit in seen or []:
                self.hits.append((where, hit))
        response_headers = page.evaluate(
            "async () => (await fetch(location.href, {method: 'HEAD'}))"
            ".headers.get('content-security-policy')"
        )
        if not response_headers:
            self.hits.append((where, "no Content-Security-Policy header"))

    def visit(self, page, url: str, label: str = "") -> None:
        try:
            page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" not in exc.message:
                raise
            return
        self.check(page, label)


def demo_params(org_name: str, child_name: str = "") -> dict:
    org = Organization.objects.get(name=org_name)
    membership = org.memberships.exclude(user=org.created_by).order_by("pk").first()
    team = Team.objects.filter(organization=org).order_by("pk").first()
    unit = OrganizationalUnit.objects.filter(organization=org).order_by("pk").first()
    workspace = org.workspaces.order_by("pk").first()
    device = Device.objects.filter(organization=org).order_by("pk").first()
    invitation = org.invitations.order_by("pk").first()
    pending = Organization.objects.filter(status=Organization.Status.PENDING).first()
    session = UserSession.objects.filter(user=org.created_by).order_by("pk").first()
    return {
        "org_name": org.name,
        "child_name": child_name,
        "member_id": membership.pk,
        "team_id": team.pk,
        "unit_id": unit.pk if unit else 0,
        "workspace_id": workspace.pk if workspace else 0,
        "device_id": device.pk,
        "pk": invitation.pk if invitation else 0,
        "token": "no-such-token",
        "public_id": pending.public_id,
        "session_id": session.pk if session else 0,
    }


@pytest.fixture
def demo(settings, live_server, transactional_db):
    settings.SITE_URL = live_server.url
    call_command("load_demo_data", verbosity=0)
    call_command("load_demo_invitations", verbosity=0)


def test_the_demo_breaks_no_content_security_policy(browser, live_server, demo):
    watcher = CSPWatcher(browser, live_server)

    # The owner signs in through the form and walks every page of acme.
    context = watcher.context()
    page = watcher.page(context)
    watcher.visit(page, reverse("account_login"), "signed out")
    page.fill("input[name=login]", "owner@acme.test")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(f"{live_server.url}{reverse('organizations:list')}")
    watcher.check(page, "owner")
    acme = demo_params("acme")
    _walk_portal(
        watcher,
        page,
        acme,
        label="owner",
        only=lambda name, needed: "child_name" not in needed and name != "account_logout",
    )
    context.close()

    # The reseller's owner: the child organizations' pages (globex has groups).
    context = watcher.context()
    sign_in(context, live_server, User.objects.get(email="owner@globex.test"))
    page = watcher.page(context)
    globex = demo_params("globex", child_name="globex-emea")
    _walk_portal(
        watcher,
        page,
        globex,
        label="reseller",
        only=lambda name, needed: name.startswith("organizations:child"),
    )
    # Their second factor's pages: the Security page, removing the app, turning it off.
    for name in (
        "accounts:security",
        "mfa_index",
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_list_webauthn",
        "accounts:two_factor_off",
    ):
        watcher.visit(page, reverse(name), "reseller")
    # Globex requires two-factor authentication: its Security tab, as its owner.
    watcher.visit(page, reverse("organizations:security", args=["globex"]), "reseller")
    context.close()

    # A member without two-factor authentication opens globex: the MFA-required page,
    # then the banner leading back to it on the other pages.
    globex_org = Organization.objects.get(name="globex")
    member = User.objects.get(email="member@acme.test")
    assert globex_org.memberships.filter(user=member).exists()
    context = watcher.context()
    sign_in(context, live_server, member)
    page = watcher.page(context)
    watcher.visit(page, reverse("organizations:dashboard", args=["globex"]), "mfa gate")
    expect(page).to_have_url(f"{live_server.url}{reverse('organizations:mfa_required')}")
    expect(page.locator("[data-testid=mfa-required]")).to_be_visible()
    watcher.visit(page, reverse("organizations:list"), "mfa gate banner")
    expect(page.locator("[data-testid=mfa-gate-banner]")).to_be_visible()
    watcher.visit(page, reverse("accounts:security"), "mfa gate")
    context.close()

    # An invitee: the link, the sign-up page, the sign-up itself.
    org = Organization.objects.get(name="acme")
    _, token = invitation_with_token(
        organization=org,
        email="newcomer@example.com",
        invited_by=org.created_by,
        role=Membership.Role.MEMBER,
    )
    context = watcher.context()
    page = watcher.page(context)
    page.goto(reverse("invitations:link", args=[token]))
    expect(page.locator("input[name=email]")).to_have_value("newcomer@example.com")
    watcher.check(page, "invitee sign-up")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    watcher.check(page, "invitee signed up")
    context.close()

    # Staff: the approval queue and staff pages, then the Django admin.
    context = watcher.context()
    sign_in(context, live_server, User.objects.get(email="admin@orgportal.test"))
    page = watcher.page(context)
    _walk_portal(
        watcher,
        page,
        acme,
        label="staff",
        only=lambda name, needed: name.startswith("organizations:") and needed <= {"public_id"},
    )
    for url in _admin_urls():
        watcher.visit(page, url, "staff admin")
    watcher.visit(page, reverse("admin:organizations_organization_change", args=[org.pk]))
    context.close()

    # Too many failed sign-ins: the 429 page.
    context = watcher.context()
    page = watcher.page(context)
    for _ in range(6):
        page.goto(reverse("account_login"))
        page.fill("input[name=login]", "nobody@example.com")
        page.fill("input[name=password]", "not-the-password")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state("load")
    expect(page.locator("[data-testid=too-many-requests]")).to_be_visible()
    watcher.check(page, "429")
    context.close()

    assert len(watcher.visited) > 60, watcher.visited
    assert watcher.hits == [], "\n".join(f"{where}: {hit}" for where, hit in watcher.hits)


def test_the_colour_picker_and_metadata_rows_work_under_the_policy(browser, live_server, demo):
    watcher = CSPWatcher(browser, live_server)
    context = watcher.context()
    sign_in(context, live_server, User.objects.get(email="owner@acme.test"))
    page = watcher.page(context)
    page.goto(reverse("organizations:settings", args=["acme"]))

    text = page.locator("input[name=primary_color]")
    picker = page.locator("input[name=primary_color] + input[type=color]")
    expect(picker).to_have_count(1)
    picker.evaluate(
        "(el) => { el.value = '#336699'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    expect(text).to_have_value("#336699")

    rows = page.locator("#metadata-rows .metadata-row")
    before = rows.count()
    add = page.locator("#metadata-add")
    expect(add).to_be_visible()
    add.click()
    expect(rows).to_have_count(before + 1)
    rows.last.locator("input").first.fill("team")
    rows.last.locator("input").nth(1).fill("platform")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert").first).to_contain_text("saved")
    watcher.check(page, "settings saved")
    org = Organization.objects.get(name="acme")
    assert org.primary_color == "#336699"
    assert org.metadata["team"] == "platform"
    assert watcher.hits == [], watcher.hits

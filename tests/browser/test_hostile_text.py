"""Hostile text in every user-editable field never runs as script, on any page.

Each field holds a payload that pushes its own label onto `window.__xss` when it runs;
an init script defines that list and turns `alert`/`confirm`/`prompt` into pushes, and
a `dialog` event counts too. The owner, an invitee and staff then walk every page the
URL resolver knows (new pages are covered without editing this file), the admin's
change lists and change pages, and the HTML of every email the portal queued.
"""

from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from invitations import services as invitation_services
from notifications.models import EmailTemplate, OutboxEmail
from organizations import services
from organizations.models import Membership, Organization

from ..factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    invitation_with_token,
)

pytestmark = [pytest.mark.browser]

INIT_SCRIPT = """
window.__xss = [];
(function () {
  function caught(kind) {
    return function (message) { window.__xss.push(kind + ":" + message); };
  }
  window.alert = caught("alert");
  window.confirm = caught("confirm");
  window.prompt = caught("prompt");
})();
"""

# Elements whose URL would run script when followed or loaded (an <img> never runs one).
_URL_ATTRIBUTES = [
    ("a", "href"),
    ("area", "href"),
    ("form", "action"),
    ("button", "formaction"),
    ("input", "formaction"),
    ("iframe", "src"),
    ("frame", "src"),
    ("embed", "src"),
    ("object", "data"),
]
_SELECTOR = ", ".join(f'{tag}[{attr}^="javascript:" i]' for tag, attr in _URL_ATTRIBUTES)
JAVASCRIPT_URLS = (
    f"() => Array.from(document.querySelectorAll('{_SELECTOR}'))"
    ".map((el) => el.outerHTML.slice(0, 160))"
)

MAIL_HOST = "http://mail.invalid"

# URL namespaces of the portal itself: every page in them must be reachable here.
PORTAL_NAMESPACES = ("organizations", "invitations", "accounts")


def hostile(label: str) -> str:
    """A payload for one field: markup, an attribute break-out and a script element."""
    return f"<img src=x onerror=__xss.push('{label}')>'\"><script>__xss.push('{label}')</script>"


def named_routes(resolver=None, prefix=""):
    """(namespaced name, parameter names) of every named URL pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            params = set(entry.pattern.regex.groupindex)
            for name, inner in named_routes(entry, namespace):
                yield name, params | inner
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, set(entry.pattern.regex.groupindex)


def portal_routes():
    """The portal's pages and allauth's pages that need no parameter (sign-in, email…)."""
    seen = set()
    for name, params in named_routes():
        if name in seen:
            continue
        seen.add(name)
        namespace = name.split(":")[0] if ":" in name else ""
        if namespace in PORTAL_NAMESPACES or name == "home":
            yield name, params
        elif not namespace and not params:
            yield name, params  # allauth's parameterless pages


def sign_in(context, live_server, user):
    """Give the browser context a session of `user` (the sign-in form is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    host = urlsplit(live_server.url).hostname
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "domain": host, "path": "/"}
            for name, morsel in client.cookies.items()
        ]
    )


class Watcher:
    """Opens browser contexts and records every sign of script that ran."""

    def __init__(self, browser, live_server):
        self.browser = browser
        self.live_server = live_server
        self.hits = []
        self.visited = []
        self.mail = {}

    def context(self):
        context = self.browser.new_context(base_url=self.live_server.url)
        context.set_default_timeout(10_000)
        context.add_init_script(INIT_SCRIPT)
        # Emails are served from a made-up host, as a mail client would show them.
        context.route(f"{MAIL_HOST}/**", self._serve_mail)
        return context

    def _serve_mail(self, route):
        body = self.mail.get(route.request.url, "")
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    def page(self, context):
        page = context.new_page()

        def on_dialog(dialog):
            self.hits.append((page.url, f"dialog:{dialog.type}:{dialog.message}"))
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    def check(self, page, label: str = "") -> None:
        """Record what ran on the page now shown (after it settled)."""
        page.wait_for_load_state("load")
        page.wait_for_timeout(50)  # a moment for anything the page runs late (timers)
        where = f"{label} {page.url}".strip()
        self.visited.append(where)
        ran = page.evaluate("() => window.__xss")
        if ran is None:  # without the list a payload would fail silently
            self.hits.append((where, "the init script did not run"))
        for hit in ran or []:
            self.hits.append((where, hit))
        for element in page.evaluate(JAVASCRIPT_URLS):
            self.hits.append((where, f"javascript: URL in {element}"))

    def visit(self, page, url: str, label: str = "") -> None:
        try:
            page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" not in exc.message:
                raise
            return  # a file to save (an export), not a page that could run script
        self.check(page, label)


@pytest.fixture
def hostile_world(settings, live_server):
    """Every user-editable text of the portal, each with a payload of its own."""
    settings.SITE_URL = live_server.url
    staff = UserFactory(
        email="staff@example.com",
        is_staff=True,
        is_superuser=True,
        first_name=hostile("staff-first"),
        last_name=hostile("staff-last"),
    )
    owner = UserFactory(
        email="owner@example.com",
        first_name=hostile("owner-first"),
        last_name=hostile("owner-last"),
    )
    org = OrganizationFactory(created_by=owner, name="hostile", display_name=hostile("org-name"))
    # Written past the forms on purpose: what the page prints must be safe whatever is stored.
    Organization.objects.filter(pk=org.pk).update(
        is_reseller=True,
        user_seat_limit=50,
        device_seat_limit=20,
        metadata={hostile("meta-key"): hostile("meta-value")},
        logo_url="javascript:__xss.push('logo-url')",
        primary_email="team@example.com",
    )
    org.refresh_from_db()
    member_user = UserFactory(
        email="member@example.com",
        first_name=hostile("member-first"),
        last_name=hostile("member-last"),
    )
    membership = MembershipFactory(organization=org, user=member_user, role=Membership.Role.MEMBER)
    team = services.create_team(org=org, actor=owner, name=hostile("team"))
    services.add_team_member(org=org, actor=owner, team=team, membership=membership)
    unit = services.create_unit(org=org, actor=owner, name=hostile("unit"))
    services.create_unit(org=org, actor=owner, name=hostile("sub-unit"), parent=unit)
    workspace = services.create_workspace(
        org=org, actor=owner, name=hostile("workspace"), unit=unit
    )
    services.add_workspace_member(org=org, actor=owner, workspace=workspace, membership=membership)
    device = services.register_device(
        org=org, actor=owner, name=hostile("device"), identifier=hostile("device-id")
    )
    group = services.create_child_organization(
        parent=org,
        creator=owner,
        kind=Organization.Kind.GROUP,
        display_name=hostile("group-name"),
        name="hostile-group",
        admin_email=owner.email,
        user_seats=2,
        device_seats=1,
    )
    services.create_child_organization(
        parent=org,
        creator=owner,
        kind=Organization.Kind.CUSTOMER,
        display_name=hostile("customer-name"),
        name="hostile-customer",
        admin_email=member_user.email,
        user_seats=2,
        device_seats=0,
    )
    # Invitations: one emailed (its HTML is checked), one to a newcomer, one to an account.
    invitation_services.invite_member(
        org=org,
        inviter=owner,
        email="emailed@example.com",
        first_name=hostile("inv-mail-first"),
        last_name=hostile("inv-mail-last"),
    )
    invitation, newcomer_token = invitation_with_token(
        organization=org,
        email="newcomer@example.com",
        invited_by=owner,
        first_name=hostile("inv-first"),
        last_name=hostile("inv-last"),
    )
    existing = UserFactory(
        email="existing@example.com",
        first_name=hostile("existing-first"),
        last_name=hostile("existing-last"),
    )
    _, existing_token = invitation_with_token(
        organization=org, email=existing.email, invited_by=owner
    )
    # The approval queue: a pending request, and a rejected one of the owner's.
    requester = UserFactory(
        email="requester@example.com",
        first_name=hostile("requester-first"),
        last_name=hostile("requester-last"),
    )
    pending = OrganizationFactory(
        created_by=requester, name="pending", display_name=hostile("pending-name"), pending=True
    )
    rejected = OrganizationFactory(
        created_by=owner, name="rejected", display_name=hostile("rejected-name"), pending=True
    )
    services.reject_organization(org=rejected, actor=staff, reason=hostile("reject-reason"))
    # A signed-in session and sign-in history from a browser with a hostile user agent.
    other_browser = Client(HTTP_USER_AGENT=hostile("user-agent"), REMOTE_ADDR="203.0.113.5")
    for password in ("not-the-password", PASSWORD):
        other_browser.post(reverse("account_login"), {"login": owner.email, "password": password})
    owner_session = UserSession.objects.get(user=owner)
    suspended = OrganizationFactory(
        created_by=owner, name="suspended", display_name=hostile("suspended-name")
    )
    services.suspend_organization(org=suspended, actor=staff, reason=hostile("suspend-reason"))
    # Security policy: a member outside the allowed domains (listed on the Security tab),
    # MFA reminders (their email), and an org requiring MFA the owner has not set up.
    outside = UserFactory(
        email="outside@elsewhere.test",
        first_name=hostile("outside-first"),
        last_name=hostile("outside-last"),
    )
    MembershipFactory(organization=org, user=outside, role=Membership.Role.MEMBER)
    services.update_security_policy(
        org=org,
        actor=owner,
        require_mfa=False,
        allowed_email_domains=["example.com"],
        session_lifetime_hours=None,
        reauthentication_minutes=None,
    )
    services.send_mfa_reminders(org=org, actor=owner)
    strict_owner = UserFactory(email="strict@example.com")
    TOTP.activate(strict_owner, "JBSWY3DPEHPK3PXP")
    strict = OrganizationFactory(
        created_by=strict_owner, name="strict", display_name=hostile("strict-name")
    )
    services.update_security_policy(
        org=strict,
        actor=strict_owner,
        require_mfa=True,
        allowed_email_domains=[],
        session_lifetime_hours=None,
        reauthentication_minutes=None,
    )
    MembershipFactory(organization=strict, user=owner, role=Membership.Role.MEMBER)
    # Management API (issue 12): an API client named by the owner.
    from api import clients as api_clients

    api_client, _ = api_clients.create_org_client(
        org=org, actor=owner, name=hostile("api-client"), scopes=["read:organizations"]
    )
    return {
        "staff": staff,
        "owner": owner,
        "existing": existing,
        "org": org,
        "secondary_orgs": [group, rejected, suspended],
        "newcomer_token": newcomer_token,
        "existing_token": existing_token,
        "params": {
            "org_name": org.name,
            "child_name": group.name,
            "device_id": device.pk,
            "team_id": team.pk,
            "member_id": membership.pk,
            "unit_id": unit.pk,
            "workspace_id": workspace.pk,
            "pk": invitation.pk,
            "token": newcomer_token,
            "public_id": pending.public_id,
            "client_id": api_client.client_id,
            "session_id": owner_session.pk,
        },
    }


def _walk_portal(watcher, page, params, *, label="", only=None):
    """Every portal page (`only(name, params)` picks some); an unknown parameter fails."""
    for name, needed in portal_routes():
        if only is not None and not only(name, needed):
            continue
        missing = needed - set(params)
        if missing:
            watcher.hits.append((name, f"no value for {sorted(missing)}: add one to params"))
            continue
        url = reverse(name, kwargs={p: params[p] for p in needed})
        view_class = getattr(resolve(url).func, "view_class", None)
        if view_class is not None and not (
            "get" in view_class.http_method_names and hasattr(view_class, "get")
        ):
            continue  # POST only: its answer is a redirect to a page walked anyway
        watcher.visit(page, url, label)


def _admin_urls():
    """The admin's index, each model's change list and the change page of its first row."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first]))
    urls += [
        reverse("admin:notifications_emailtemplate_preview", args=[key])
        for key in EmailTemplate.Key.values
    ]
    return urls


def test_no_hostile_text_runs_on_any_page(browser, live_server, transactional_db, hostile_world):
    world = hostile_world
    watcher = Watcher(browser, live_server)

    # The owner: every page of the org, and the org-only pages of its other orgs.
    owner_context = watcher.context()
    sign_in(owner_context, live_server, world["owner"])
    page = watcher.page(owner_context)
    _walk_portal(watcher, page, world["params"], label="owner")
    # Its group and its rejected request (the reason shows in the header) share the
    # templates walked above: a few pages each.
    for other in world["secondary_orgs"]:
        for name in ("dashboard", "settings", "members"):
            watcher.visit(page, reverse(f"organizations:{name}", args=[other.name]), "owner")
    # An org requiring MFA sends the owner (no MFA) to set it up: its name on that page
    # and on the banner leading back.
    watcher.visit(page, reverse("organizations:dashboard", args=["strict"]), "owner mfa gate")
    watcher.visit(page, reverse("organizations:list"), "owner mfa banner")
    watcher.visit(
        page, reverse("organizations:members", args=[world["org"].name]) + "?mfa=missing", "owner"
    )
    # Messages and form errors that quote names: create a team and register a device.
    org = world["org"]
    page.goto(reverse("organizations:team_create", args=[org.name]))
    page.fill("input[name=name]", hostile("ui-team"))
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("alert").first).to_contain_text("created")
    watcher.check(page, "owner team created")
    page.goto(reverse("organizations:team_create", args=[org.name]))
    page.fill("input[name=name]", hostile("ui-team"))
    page.get_by_role("button", name="Create team").click()
    expect(page.locator("main")).to_contain_text("exists already")
    watcher.check(page, "owner team taken")
    page.goto(reverse("organizations:device_register", args=[org.name]))
    page.fill("input[name=name]", hostile("ui-device"))
    page.fill("input[name=identifier]", "serial-ui-1")
    page.get_by_role("button", name="Register device").click()
    expect(page.get_by_role("alert").first).to_contain_text("registered")
    watcher.check(page, "owner device registered")
    # A javascript: URL never gets in through the settings form.
    page.goto(reverse("organizations:settings", args=[org.name]))
    page.fill("input[name=logo_url]", "javascript:__xss.push('ui-logo')")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("main")).to_contain_text("Enter a valid https URL.")
    watcher.check(page, "owner settings refused")
    # Management API (issue 12): the API clients page, its confirmations, and a client
    # created through the form (its name quoted in the message beside its secret).
    api_params = {"org_name": org.name, "client_id": world["params"]["client_id"]}
    for name in ("api:clients", "api:client_rotate", "api:client_revoke"):
        needed = {"org_name"} if name == "api:clients" else set(api_params)
        watcher.visit(page, reverse(name, kwargs={k: api_params[k] for k in needed}), "owner")
    page.goto(reverse("api:clients", args=[org.name]))
    page.fill("input[name=name]", hostile("ui-api-client"))
    page.locator("input[value='read:organizations']").check()
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_test_id("client-secret")).to_be_visible()
    watcher.check(page, "owner api client created")
    owner_context.close()

    # A newcomer follows the invitation link to the sign-up page.
    newcomer_context = watcher.context()
    page = watcher.page(newcomer_context)
    page.goto(reverse("invitations:link", args=[world["newcomer_token"]]))
    expect(page.locator("input[name=email]")).to_have_value("newcomer@example.com")
    watcher.check(page, "newcomer sign-up")
    watcher.visit(page, reverse("invitations:accept"), "newcomer")
    watcher.visit(page, reverse("invitations:link", args=["no-such-token"]), "newcomer")
    newcomer_context.close()

    # Someone with an account follows theirs: told to sign in, then the accept page.
    existing_context = watcher.context()
    page = watcher.page(existing_context)
    page.goto(reverse("invitations:link", args=[world["existing_token"]]))
    expect(page.locator("input[name=login]")).to_be_visible()
    watcher.check(page, "invitee sign-in")
    page.fill("input[name=login]", world["existing"].email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("button", name="Decline")).to_be_visible()
    watcher.check(page, "invitee accept")
    existing_context.close()

    # Staff: the approval queue and the pages beside it, then the admin.
    staff_context = watcher.context()
    sign_in(staff_context, live_server, world["staff"])
    page = watcher.page(staff_context)
    _walk_portal(
        watcher,
        page,
        world["params"],
        label="staff",
        only=lambda name, needed: name.startswith("organizations:") and needed <= {"public_id"},
    )
    for url in _admin_urls():
        watcher.visit(page, url, "staff")

    # The HTML of every email queued meanwhile, as a mail client would show it.
    emails = list(OutboxEmail.objects.exclude(body_html="").order_by("pk"))
    assert {email.template for email in emails} >= {
        "invitation",
        "org_request",
        "org_rejected",
        "mfa_reminder",
    }
    for email in emails:
        url = f"{MAIL_HOST}/{email.pk}/"
        watcher.mail[url] = email.body_html
        watcher.visit(page, url, f"email {email.template}")
    staff_context.close()

    assert len(watcher.visited) > 60, watcher.visited
    assert watcher.hits == [], "\n".join(f"{where}: {hit}" for where, hit in watcher.hits)

"""Content-Security-Policy, Permissions-Policy and Referrer-Policy on every response:
config/security_headers.py and the policy in config/settings.py.

The walk reaches every named URL pattern of the project (the org-scoped ones with the
isolation test's kwargs, allauth's with placeholder values), as the org's owner and as
staff, so a new page is covered without editing this file.
"""

import os
import subprocess
import sys

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from config.security_headers import extra_sources
from organizations.models import Membership, SecurityPolicy

from .factories import PASSWORD, MembershipFactory, UserFactory
from .test_isolation import _walk, foreign_kwargs, get_resolver, make_foreign

pytestmark = pytest.mark.django_db

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def parse_csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# The API reference (Redoc) writes its styles inline: that one page allows inline styles.
API_DOCS = "/api/v2/docs/"


def assert_strict(response, url):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{url} ({response.status_code}) has no Content-Security-Policy"
    policy = parse_csp(header)
    for directive, source in REQUIRED_DIRECTIVES.items():
        assert policy.get(directive, [None])[0] == source, f"{url}: {directive} in {header}"
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
    if url != API_DOCS:
        assert "'unsafe-inline'" not in policy.get("style-src", []), url
    assert "upgrade-insecure-requests" not in policy, f"{url}: the demo runs on plain http"
    # Pages with a token in their URL (invitation links) send no referrer at all.
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), url
    permissions = response.headers.get("Permissions-Policy", "")
    assert "camera=()" in permissions and "publickey-credentials-get=(self)" in permissions, url
    assert response.headers.get("X-Frame-Options") == "DENY", url


def every_url(world) -> list[str]:
    """A URL for every named pattern: the isolation kwargs, else placeholders."""
    kwargs_by_name = foreign_kwargs(world)
    urls = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if not pattern.name:
            continue
        params = set(pattern.pattern.regex.groupindex)
        kwargs = kwargs_by_name.get(name) or dict.fromkeys(params, "placeholder-1")
        try:
            urls.append(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            try:
                urls.append(reverse(name, kwargs=dict.fromkeys(params, 1)))
            except NoReverseMatch:
                continue  # a pattern with a converter no placeholder fits
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
    return sorted(set(urls))


def test_every_page_has_the_headers_for_the_owner_and_for_staff(client):
    world = make_foreign()
    owner = world["org"].created_by
    staff = UserFactory(is_staff=True, is_superuser=True)
    urls = every_url(world)
    assert len(urls) > 80, "the walk must reach the whole site"
    for user in (owner, staff):
        client.force_login(user)
        for url in urls:
            if url.endswith("/logout/"):
                continue
            assert_strict(client.get(url), url)
    # Signed out: the sign-in page, a 404 and a static file too.
    client.logout()
    for url in (reverse("account_login"), "/no-such-page/", reverse("organizations:list")):
        assert_strict(client.get(url), url)


def test_a_nonce_is_sent_only_with_a_page_that_uses_it(client):
    """Branding is an inline <style>: its page names the nonce, other pages do not."""
    world = make_foreign()
    org = world["org"]
    org.primary_color = "#123456"
    org.save(update_fields=["primary_color"])
    client.force_login(org.created_by)
    branded = client.get(reverse("organizations:dashboard", args=[org.name]))
    style_src = parse_csp(branded.headers["Content-Security-Policy"])["style-src"]
    nonces = [s for s in style_src if s.startswith("'nonce-")]
    assert len(nonces) == 1
    assert f'<style nonce="{nonces[0][7:-1]}"' in branded.content.decode()
    plain = client.get(reverse("accounts:security"))
    assert "'nonce-" not in plain.headers["Content-Security-Policy"]
    # A fresh nonce for each response.
    again = client.get(reverse("organizations:dashboard", args=[org.name]))
    assert nonces[0] not in again.headers["Content-Security-Policy"]


def test_extra_origins_come_from_settings(client, settings):
    settings.CSP_EXTRA_SCRIPT_SRC = ["https://js.stripe.com"]
    settings.CSP_EXTRA_FRAME_SRC = ["https://js.stripe.com", "https://hooks.stripe.com"]
    settings.CSP_EXTRA_CONNECT_SRC = ["https://api.stripe.com"]
    settings.CSP_EXTRA_FORM_ACTION = ["https://idp.example.com"]
    assert extra_sources()["frame-src"] == ["https://js.stripe.com", "https://hooks.stripe.com"]
    policy = parse_csp(client.get(reverse("account_login")).headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "https://js.stripe.com"]
    assert policy["frame-src"] == ["'self'", "https://js.stripe.com", "https://hooks.stripe.com"]
    assert policy["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert policy["form-action"] == ["'self'", "https://idp.example.com"]
    assert policy["default-src"] == ["'self'"]


def test_signing_in_posts_and_redirects_within_form_action_self(client):
    """form-action 'self' also binds the redirect after the post: it stays on the site."""
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith("/")


def test_production_settings_upgrade_insecure_requests():
    """With debug off behind TLS the policy also upgrades http subresources; the demo's
    settings (debug on, plain http) do not."""
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['upgrade-insecure-requests'])"
    )
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 64,
        "DJANGO_ALLOWED_HOSTS": "orgportal.example.com",
    }
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    production = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert production.stdout.strip() == "True"
    demo = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert demo.stdout.strip() == "False"


def test_violation_reports_go_where_csp_report_uri_says():
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES'].get('report-uri'))"
    )
    env = {**os.environ, "CSP_REPORT_URI": "https://csp.example.com/r"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "['https://csp.example.com/r']"


def test_the_probes_and_metrics_carry_the_policy_whatever_the_host(client, settings):
    """/healthz, /readyz and /metrics are answered before host validation, but after the
    CSP and Permissions-Policy middleware: a balancer's address still gets the headers."""
    settings.METRICS_TOKEN = "probe-token"
    answers = {
        "/healthz": client.get("/healthz", HTTP_HOST="10.0.3.7:8000"),
        "/readyz": client.get("/readyz", HTTP_HOST="10.0.3.7:8000"),
        "/metrics": client.get(
            "/metrics", HTTP_HOST="10.0.3.7:9100", HTTP_AUTHORIZATION="Bearer probe-token"
        ),
    }
    for url, response in answers.items():
        assert response.status_code == 200, (url, response.content[:300])
        policy = parse_csp(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
        assert "camera=()" in response.headers["Permissions-Policy"], url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert answers["/healthz"].json() == {"status": "ok"}
    assert b"orgportal_http_request_duration_seconds" in answers["/metrics"].content


def test_the_429_page_and_the_mfa_gate_carry_the_policy(client):
    """The rate-limit answer and the page an org requiring MFA sends members to."""
    world = make_foreign()
    org = world["org"]
    owner = org.created_by
    for n in range(6):
        blocked = client.post(
            reverse("account_login"),
            {"login": owner.email, "password": "not-the-password"},
            REMOTE_ADDR=f"203.0.113.{n}",
        )
    assert blocked.status_code == 429
    assert_strict(blocked, "429")
    member = UserFactory()
    MembershipFactory(organization=org, user=member, role=Membership.Role.MEMBER)
    SecurityPolicy.objects.update_or_create(organization=org, defaults={"require_mfa": True})
    client.force_login(member)
    gate = client.get(reverse("organizations:dashboard", args=[org.name]))
    assert gate.status_code == 302 and gate.url == reverse("organizations:mfa_required")
    page = client.get(gate.url)
    assert page.status_code == 200 and b'data-testid="mfa-required"' in page.content
    assert_strict(page, gate.url)


def test_the_api_reference_relaxes_only_styles_and_workers(client):
    policy = parse_csp(client.get(API_DOCS).headers["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["blob:"]
    assert policy["script-src"] == ["'self'"]
    other = parse_csp(client.get(reverse("account_login")).headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in other["style-src"] and "worker-src" not in other


def test_stripe_is_let_in_on_the_card_page_only(settings):
    from billing import gateway

    settings.STRIPE_API_BASE = ""
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    assert gateway.csp_sources() == {
        "script-src": ["https://js.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
    }
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    settings.STRIPE_JS_URL = "http://127.0.0.1:8420/js.stripe.com/v3/"
    assert set(gateway.csp_sources()["connect-src"]) == {"http://127.0.0.1:8420"}


def test_sign_in_pages_let_their_forms_hand_over_to_the_identity_providers(client):
    from sso.models import OidcConnection

    org = make_foreign()["org"]
    OidcConnection.objects.create(
        organization=org, name="Corp", issuer_url="https://idp.corp.test/realms/x", client_id="c"
    )
    OidcConnection.objects.create(
        organization=org, name="Off", issuer_url="https://off.test/", client_id="c", enabled=False
    )
    login = parse_csp(client.get(reverse("account_login")).headers["Content-Security-Policy"])
    assert login["form-action"] == ["'self'", "https://idp.corp.test"]
    org_login = client.get(reverse("sso:org_login", args=[org.name]))
    assert (
        "https://idp.corp.test"
        in parse_csp(org_login.headers["Content-Security-Policy"])["form-action"]
    )
    client.force_login(org.created_by)
    other = parse_csp(client.get(reverse("accounts:security")).headers["Content-Security-Policy"])
    assert other["form-action"] == ["'self'"]

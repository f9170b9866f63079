"""Sign-in protection: the rate limits, no account enumeration, the sign-in history
(accounts/login_history.py, accounts/adapters.py, accounts/tasks.py)."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.usersessions.models import UserSession
from django.conf import settings as django_settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignInEvent
from accounts.tasks import prune_sign_in_history

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
TOTP_SECRET = "ORSXG5DUMVZXI5DFON2HIZLTOQ======"


def browser(user_agent: str = FIREFOX, ip: str = "203.0.113.7") -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def attempt(client: Client, email: str, password: str = "not-the-password"):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- Sign-in history ----------------------------------------------------------------


def test_a_sign_in_and_a_wrong_password_are_recorded_for_the_account():
    user = UserFactory(email="ada@example.com")
    client = browser()
    assert attempt(client, "ADA@example.com").status_code == 200
    assert attempt(client, user.email, PASSWORD).status_code == 302
    failed, signed_in = SignInEvent.objects.filter(user=user).order_by("created_at", "id")
    assert (failed.succeeded, failed.method, failed.ip) == (False, "password", "203.0.113.7")
    assert failed.user_agent == FIREFOX
    assert (signed_in.succeeded, signed_in.method, signed_in.second_factor) == (
        True,
        "password",
        "",
    )
    assert signed_in.ip == "203.0.113.7"


def test_an_unknown_address_leaves_no_row_at_all():
    UserFactory(email="ada@example.com")
    assert attempt(browser(), "nobody@example.com").status_code == 200
    assert not SignInEvent.objects.exists()


def test_a_wrong_second_factor_code_and_then_the_right_one_are_recorded():
    user = UserFactory()
    TOTP.activate(user, TOTP_SECRET)
    client = browser()
    with time_machine.travel("2026-12-02 10:00:00", tick=False):
        attempt(client, user.email, PASSWORD)
        assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
        code = format_hotp_value(hotp_value(TOTP_SECRET, int(timezone.now().timestamp()) // 30))
        assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    events = list(SignInEvent.objects.filter(user=user).order_by("id"))
    assert [(e.succeeded, e.method, e.second_factor) for e in events] == [
        (False, "password", "totp"),
        (True, "password", "totp"),
    ]
    assert events[1].method_label == "Password, then authenticator app"


def test_a_sign_in_through_the_email_confirmation_link_is_recorded(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    link = re.search(r"https?://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
    client.post(link.group(1))
    event = SignInEvent.objects.get(user__email="new@example.com")
    assert (event.succeeded, event.method) == (True, "email_link")


def test_behind_the_proxy_the_forwarded_address_is_recorded(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    client = browser(ip="10.0.0.2")
    client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )
    assert SignInEvent.objects.get(user=user).ip == "198.51.100.23"
    assert UserSession.objects.get(user=user).ip == "198.51.100.23"


def test_the_security_page_shows_the_history_newest_first_paginated_and_escaped():
    user = UserFactory()
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    start = timezone.now() - timedelta(days=10)
    for n in range(24):
        SignInEvent.objects.create(
            user=user,
            created_at=start + timedelta(hours=n),
            succeeded=n % 3 != 0,
            ip=f"198.51.100.{n}",
            user_agent=f"Agent {n}",
        )
    with time_machine.travel(start + timedelta(days=1)):
        attempt(client := browser(user_agent=payload), user.email)
        attempt(client, user.email, PASSWORD)
    text = client.get(reverse("accounts:security")).content.decode()
    rows = re.findall(r'<tr data-testid="sign-in-row">(.*?)</tr>', text, re.S)
    assert len(rows) == 20
    # Newest first: the two made through the browser, then the seeded ones from the last.
    assert "Signed in" in rows[0] and "Failed" in rows[1]
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in rows[0]
    assert "<img src=x" not in text and "<script>alert(2)" not in text
    assert "Agent 23" in rows[2] and "198.51.100.23" in rows[2]
    assert "Page 1 of 2" in text
    older = client.get(reverse("accounts:security"), {"sign_ins": 2}).content.decode()
    older_rows = re.findall(r'<tr data-testid="sign-in-row">(.*?)</tr>', older, re.S)
    assert len(older_rows) == 6
    assert "Agent 0" in older_rows[-1]
    # Nonsense page numbers fall back to a real page, never a 500.
    assert client.get(reverse("accounts:security"), {"sign_ins": "x"}).status_code == 200


def test_the_security_page_with_no_history_says_so(client_for):
    text = client_for(UserFactory()).get(reverse("accounts:security")).content.decode()
    assert "No sign-ins recorded yet." in text


def test_the_history_of_another_account_is_never_shown():
    me, other = UserFactory(), UserFactory()
    SignInEvent.objects.create(user=other, succeeded=False, user_agent="Other agent 42")
    client = browser()
    attempt(client, me.email, PASSWORD)
    assert "Other agent 42" not in client.get(reverse("accounts:security")).content.decode()


# --- Pruning --------------------------------------------------------------------------


def test_the_prune_task_removes_history_older_than_90_days_only(settings):
    settings.LOGIN_HISTORY_RETENTION_DAYS = 90
    user = UserFactory()
    now = timezone.now()
    old = SignInEvent.objects.create(user=user, succeeded=True, created_at=now - timedelta(days=91))
    edge = SignInEvent.objects.create(
        user=user, succeeded=True, created_at=now - timedelta(days=89, hours=23)
    )
    recent = SignInEvent.objects.create(user=user, succeeded=False, created_at=now)
    with time_machine.travel(now, tick=False):
        result = prune_sign_in_history.delay().get()
    assert result["sign_in_events"] == 1
    assert set(SignInEvent.objects.values_list("pk", flat=True)) == {edge.pk, recent.pk}
    assert not SignInEvent.objects.filter(pk=old.pk).exists()
    # A day later the one at the edge has aged past 90 days too.
    with time_machine.travel(now + timedelta(days=1), tick=False):
        call_command("prune_sign_in_history", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(SignInEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_prune_task_also_clears_expired_sessions_and_their_rows():
    user = UserFactory()
    client = browser()
    attempt(client, user.email, PASSWORD)
    live = UserSession.objects.get(user=user)
    gone = UserSession.objects.create(user=user, session_key="x" * 32, ip="203.0.113.1")
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        result = prune_sign_in_history()
    assert result["ended_sessions"] == 1
    assert list(UserSession.objects.values_list("pk", flat=True)) == [live.pk]
    assert not UserSession.objects.filter(pk=gone.pk).exists()
    Session.objects.filter(session_key=live.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert prune_sign_in_history()["ended_sessions"] == 1
    assert not UserSession.objects.exists()


def test_beat_runs_the_prune_task():
    entry = django_settings.CELERY_BEAT_SCHEDULE["prune-sign-in-history"]
    assert entry["task"] == prune_sign_in_history.name


# --- Rate limits ----------------------------------------------------------------------


@pytest.mark.parametrize("address", ["ada@example.com", "nobody@example.com"])
def test_the_sixth_wrong_password_for_an_address_answers_429(address):
    UserFactory(email="ada@example.com")
    for n in range(5):
        # From different addresses: the per-address limit alone is at work.
        assert attempt(browser(ip=f"203.0.113.{n}"), address).status_code == 200
    blocked = attempt(browser(ip="203.0.113.99"), address)
    assert blocked.status_code == 429
    assert 'data-testid="too-many-requests"' in blocked.content.decode()
    # Even the right password is not checked while the limit lasts.
    assert attempt(browser(ip="203.0.113.98"), address, PASSWORD).status_code == 429
    # Five minutes later it is over.
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert attempt(browser(ip="203.0.113.97"), address).status_code == 200


def test_wrong_passwords_from_one_ip_are_limited_across_addresses(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    client = browser(ip="203.0.113.66")
    for n in range(3):
        assert attempt(client, f"user{n}@example.com").status_code == 200
    assert attempt(client, "another@example.com").status_code == 429
    assert attempt(browser(ip="203.0.113.67"), "another@example.com").status_code == 200


def test_password_reset_requests_are_limited_per_address(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ada@example.com")
    url = reverse("account_reset_password")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"email": "ada@example.com"}).status_code == 302
        assert client.post(url, {"email": "ada@example.com"}).status_code == 429
        assert client.post(url, {"email": "nobody@example.com"}).status_code == 302
        assert client.post(url, {"email": "nobody@example.com"}).status_code == 429
    assert len(mail.outbox) == 2  # one email per address, not one per request


def test_sign_ups_are_limited_per_ip(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    client = browser(ip="203.0.113.80")
    for n in range(2):
        data = {"email": f"new{n}@example.com", "password1": PASSWORD, "password2": PASSWORD}
        assert client.post(reverse("account_signup"), data).status_code == 302
    data = {"email": "new9@example.com", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("account_signup"), data).status_code == 429


def test_the_confirmation_email_is_sent_at_most_once_in_3_minutes(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="pending@example.com", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            attempt(browser(), user.email, PASSWORD)
    assert len(mail.outbox) == 1
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=4)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        attempt(browser(), user.email, PASSWORD)
    assert len(mail.outbox) == 2


# --- Known and unknown addresses look alike ---------------------------------------------


def _without(text: str, *values: str) -> str:
    """The page with the values typed into it (and the CSRF token) blanked out."""
    for value in values:
        text = text.replace(value, "VALUE")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_a_failed_sign_in_reads_the_same_for_a_known_and_an_unknown_address():
    UserFactory(email="ada@example.com")
    known = attempt(browser(ip="203.0.113.1"), "ada@example.com")
    unknown = attempt(browser(ip="203.0.113.2"), "eve@example.com")
    assert known.status_code == unknown.status_code == 200
    assert _without(known.content.decode(), "ada@example.com") == _without(
        unknown.content.decode(), "eve@example.com"
    )


def test_a_password_reset_reads_the_same_for_a_known_and_an_unknown_address(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="ada@example.com")
    url = reverse("account_reset_password")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "ada@example.com"}, follow=True)
        unknown = client.post(url, {"email": "eve@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert _without(known.content.decode()) == _without(unknown.content.decode())


def test_a_sign_up_reads_the_same_for_a_taken_and_a_free_address(
    django_capture_on_commit_callbacks,
):
    UserFactory(email="ada@example.com")

    def sign_up(email: str):
        data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        return browser().post(reverse("account_signup"), data, follow=True)

    with django_capture_on_commit_callbacks(execute=True):
        taken = sign_up("ada@example.com")
        free = sign_up("eve@example.com")
    assert taken.redirect_chain == free.redirect_chain
    assert _without(taken.content.decode(), "ada@example.com") == _without(
        free.content.decode(), "eve@example.com"
    )
    # The owner of the taken address learns of the attempt by email; nobody else does.
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.com", "eve@example.com"]


class CountingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, counting the hashes it computes (`verify` calls `encode`)."""

    runs = 0

    def encode(self, password, salt):
        CountingHasher.runs += 1
        return super().encode(password, salt)


def test_a_known_and_an_unknown_address_both_run_the_password_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    UserFactory(email="ada@example.com")
    runs = {}
    for label, address in [
        ("known", "ada@example.com"),
        ("known, other case", "ADA@Example.com"),
        ("unknown", "eve@example.com"),
    ]:
        CountingHasher.runs = 0
        assert attempt(browser(), address).status_code == 200
        runs[label] = CountingHasher.runs
    assert runs["known"] >= 1
    assert runs == dict.fromkeys(runs, runs["known"]), runs


# --- Demo data ------------------------------------------------------------------------


def test_the_demo_owners_have_a_sign_in_history_once(client):
    import io

    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    assert "/accounts/profile/security/" in out.getvalue()
    counts = {
        email: SignInEvent.objects.filter(user__email=email).count()
        for email in ("owner@acme.test", "owner@globex.test", "admin@acme.test")
    }
    assert counts["owner@acme.test"] == counts["owner@globex.test"] == 5
    assert counts["admin@acme.test"] == 0
    assert SignInEvent.objects.filter(
        user__email="owner@globex.test", second_factor="totp"
    ).exists()
    call_command("load_demo_data", stdout=io.StringIO())
    assert SignInEvent.objects.filter(user__email="owner@acme.test").count() == 5
    client.post(
        reverse("account_login"),
        {"login": "owner@acme.test", "password": "orgportal-demo"},
        REMOTE_ADDR="127.0.0.1",
    )
    text = client.get(reverse("accounts:security")).content.decode()
    assert text.count('data-testid="sign-in-row"') == 6
    assert "python-requests/2.32.3" in text and "Failed" in text


def test_staff_read_the_history_in_the_admin_and_cannot_change_it(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(email="ada@example.com")
    event = SignInEvent.objects.create(user=user, succeeded=False, ip="192.0.2.5")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:accounts_signinevent_changelist"), {"q": "ada@"})
    assert listing.status_code == 200 and "192.0.2.5" in listing.content.decode()
    assert client.get(reverse("admin:accounts_signinevent_add")).status_code == 403
    page = client.get(reverse("admin:accounts_signinevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'name="ip"' not in page.content.decode()

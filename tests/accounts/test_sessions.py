"""Signed-in sessions: accounts/sessions.py, accounts/middleware.py and the session views."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.useragents import describe_user_agent
from organizations import services
from organizations.models import Membership

from ..factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def browser(user_agent: str, ip: str) -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def sign_in(client: Client, user, password: str = PASSWORD) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("organizations:list")).status_code == 200


def test_user_agents_are_summarised():
    assert describe_user_agent(FIREFOX) == "Firefox on Windows"
    assert describe_user_agent(SAFARI_IPHONE) == "Safari on iOS"
    chrome_android = (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36"
    )
    assert describe_user_agent(chrome_android) == "Chrome on Android"
    edge = FIREFOX.replace("Firefox/133.0", "Chrome/131.0 Safari/537.36 Edg/131.0")
    assert describe_user_agent(edge) == "Edge on Windows"
    assert describe_user_agent("curl/8.5.0") == "curl"
    assert describe_user_agent("") == "Unknown device"


def test_the_sessions_page_lists_every_session_with_device_ip_and_times():
    user = UserFactory(email="ada@example.com")
    laptop = browser(FIREFOX, "203.0.113.7")
    phone = browser(SAFARI_IPHONE + " <script>alert(1)</script>", "198.51.100.20")
    with time_machine.travel("2026-12-01 09:00:00", tick=False):
        sign_in(phone, user)
    with time_machine.travel("2026-12-01 10:00:00", tick=False):
        sign_in(laptop, user)
        page = laptop.get(reverse("accounts:sessions"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Signed-in sessions (2)" in text
    rows = re.findall(r'<tr data-testid="session-row">(.*?)</tr>', text, re.S)
    assert len(rows) == 2
    # Most recently seen first: this laptop, marked as the current session.
    assert "Firefox on Windows" in rows[0] and 'data-testid="current-session"' in rows[0]
    assert "203.0.113.7" in rows[0] and "2026-12-01 10:00" in rows[0]
    assert "Safari on iOS" in rows[1] and "198.51.100.20" in rows[1]
    assert "2026-12-01 09:00" in rows[1] and "current-session" not in rows[1]
    # The user agent is the client's text: escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text
    # The Security page shows the same sessions, with the way to end them.
    security = laptop.get(reverse("accounts:security")).content.decode()
    assert "Signed-in sessions (2)" in security
    assert reverse("accounts:sessions_end_others") in security
    assert "<script>alert(1)" not in security


def test_the_old_sessions_address_leads_to_the_sessions_page(client_for):
    client = client_for(UserFactory())
    response = client.get("/accounts/sessions/")
    assert response.status_code == 302 and response.url == reverse("accounts:sessions")


def test_signing_out_one_session_from_another_signs_that_one_out_at_once():
    user = UserFactory()
    laptop, phone = browser(FIREFOX, "203.0.113.7"), browser(SAFARI_IPHONE, "198.51.100.20")
    sign_in(phone, user)
    sign_in(laptop, user)
    target = UserSession.objects.get(user=user, ip="198.51.100.20")
    url = reverse("accounts:session_end", kwargs={"session_id": target.pk})

    confirm = laptop.get(url)
    assert confirm.status_code == 200
    assert "Sign out Safari on iOS?" in confirm.content.decode()
    assert is_signed_in(phone), "a GET ends nothing"

    response = laptop.post(url, follow=True)
    assert response.redirect_chain == [(reverse("accounts:sessions"), 302)]
    assert "Safari on iOS (198.51.100.20) is signed out." in response.content.decode()
    assert not is_signed_in(phone)
    assert phone.get(reverse("accounts:security")).status_code == 302  # to the sign-in page
    assert is_signed_in(laptop)
    assert not UserSession.objects.filter(pk=target.pk).exists()
    assert not Session.objects.filter(session_key=target.session_key).exists()


def test_signing_out_the_current_session_signs_out(client):
    user = UserFactory()
    sign_in(client, user)
    mine = UserSession.objects.get(user=user)
    response = client.post(reverse("accounts:session_end", kwargs={"session_id": mine.pk}))
    assert response.status_code == 302 and response.url == reverse("account_login")
    assert not is_signed_in(client)


def test_another_accounts_session_is_not_found_and_stays(client):
    stranger = UserFactory()
    other = browser(FIREFOX, "203.0.113.9")
    sign_in(other, stranger)
    theirs = UserSession.objects.get(user=stranger)
    me = UserFactory()
    sign_in(client, me)
    url = reverse("accounts:session_end", kwargs={"session_id": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert UserSession.objects.filter(pk=theirs.pk).exists()
    assert is_signed_in(other)


def test_sign_out_all_others_keeps_this_one():
    user = UserFactory()
    clients = [browser(FIREFOX, f"203.0.113.{n}") for n in range(1, 4)]
    for c in clients:
        sign_in(c, user)
    mine = clients[-1]
    confirm = mine.get(reverse("accounts:sessions_end_others"))
    assert "2 other sessions will be signed out" in confirm.content.decode()
    response = mine.post(reverse("accounts:sessions_end_others"), follow=True)
    assert "2 other sessions signed out. This one stays signed in." in response.content.decode()
    assert [is_signed_in(c) for c in clients] == [False, False, True]
    assert UserSession.objects.filter(user=user).count() == 1


def test_changing_the_password_signs_out_the_other_sessions_but_not_this_one(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    laptop, phone = browser(FIREFOX, "203.0.113.7"), browser(SAFARI_IPHONE, "198.51.100.20")
    sign_in(phone, user)
    sign_in(laptop, user)
    new_password = "a-brand-new-passphrase-42"
    with django_capture_on_commit_callbacks(execute=True):
        response = laptop.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
        )
    assert response.status_code == 302
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    # The other session is gone from the list too, not just refused at its next page.
    remaining = UserSession.objects.filter(user=user)
    assert [s.ip for s in remaining] == ["203.0.113.7"]
    assert Session.objects.filter(session_key=remaining[0].session_key).exists()
    sign_in(phone, user, new_password)


def test_a_password_reset_signs_out_every_session(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="reset@example.com")
    laptop = browser(FIREFOX, "203.0.113.7")
    sign_in(laptop, user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(
        r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body
    )
    form_url = client.get(link.group(1)).url  # the key moves into the session
    new_password = "a-brand-new-passphrase-42"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    assert not is_signed_in(laptop)
    assert not UserSession.objects.filter(user=user).exists()


def test_removing_a_member_ends_their_access_to_the_org_only(org, owner):
    member = MembershipFactory(organization=org, role=Membership.Role.MEMBER)
    laptop = browser(FIREFOX, "203.0.113.7")
    sign_in(laptop, member.user)
    dashboard = reverse("organizations:dashboard", kwargs={"org_name": org.name})
    assert laptop.get(dashboard).status_code == 200
    services.remove_member(org=org, actor=owner, membership=member)
    assert laptop.get(dashboard).status_code == 404
    assert is_signed_in(laptop)
    assert UserSession.objects.filter(user=member.user).count() == 1


def test_an_org_session_lifetime_counts_from_the_sign_in_not_from_last_seen(org, owner):
    """Pages keep "last seen" current, but the org's session lifetime still runs from
    the sign-in (or the password asked again), and asking it again keeps the session."""
    services.update_security_policy(
        org=org,
        actor=owner,
        require_mfa=False,
        allowed_email_domains=[],
        session_lifetime_hours=2,
        reauthentication_minutes=None,
    )
    laptop = browser(FIREFOX, "203.0.113.7")
    dashboard = reverse("organizations:dashboard", kwargs={"org_name": org.name})
    with time_machine.travel("2026-12-02 08:00:00 +0000", tick=False):
        sign_in(laptop, owner)
    for moment in ("08:30", "09:10", "09:59"):
        with time_machine.travel(f"2026-12-02 {moment}:00 +0000", tick=False):
            assert laptop.get(dashboard).status_code == 200
    row = UserSession.objects.get(user=owner)
    assert row.last_seen_at.strftime("%H:%M") == "09:59"
    with time_machine.travel("2026-12-02 10:01:00 +0000", tick=False):
        expired = laptop.get(dashboard)
        assert expired.status_code == 302
        assert expired.url.startswith(reverse("account_reauthenticate"))
        assert is_signed_in(laptop)  # the rest of the portal stays open
        laptop.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        assert laptop.get(dashboard).status_code == 200
    assert UserSession.objects.get(user=owner).pk == row.pk


def test_last_seen_is_written_at_most_once_per_interval(settings):
    settings.ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS = 300
    user = UserFactory()
    laptop = browser(FIREFOX, "203.0.113.7")
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        sign_in(laptop, user)
    session = UserSession.objects.get(user=user)
    assert session.last_seen_at == start

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert laptop.get(reverse("accounts:profile")).status_code == 200
        return [q["sql"] for q in queries.captured_queries if "usersessions" in q["sql"]]

    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert page_queries() == []  # within the interval: no query at all
    laptop.defaults["REMOTE_ADDR"] = "198.51.100.99"
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        touched = page_queries()
        assert len(touched) == 1 and touched[0].startswith("UPDATE")
        assert page_queries() == []  # and not again on the next page
    session.refresh_from_db()
    assert session.last_seen_at == start + timedelta(minutes=6)
    assert session.ip == "198.51.100.99"
    assert session.created_at == start


def test_tracking_can_be_turned_off(settings):
    settings.ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS = 0
    user = UserFactory()
    laptop = browser(FIREFOX, "203.0.113.7")
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        sign_in(laptop, user)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        laptop.get(reverse("accounts:profile"))
    assert UserSession.objects.get(user=user).last_seen_at == start


def test_a_django_admin_sign_in_is_listed_too():
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin_browser = browser(FIREFOX, "203.0.113.50")
    response = admin_browser.post(
        reverse("admin:login"), {"username": staff.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert UserSession.objects.filter(user=staff, ip="203.0.113.50").count() == 1


def test_a_session_from_before_recording_is_recorded_on_its_next_visit(client, settings):
    user = UserFactory()
    client.force_login(user)  # no request behind it: no session row yet
    assert not UserSession.objects.filter(user=user).exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        client.get(reverse("accounts:profile"), REMOTE_ADDR="203.0.113.77")
    assert UserSession.objects.get(user=user).ip == "203.0.113.77"


def test_the_security_and_sessions_pages_cost_the_same_with_many_rows(
    django_assert_max_num_queries,
):
    from accounts.models import SignInEvent

    user = UserFactory()
    clients = [browser(FIREFOX, f"203.0.113.{n}") for n in range(1, 4)]
    for c in clients:
        sign_in(c, user)
    SignInEvent.objects.bulk_create(
        SignInEvent(user=user, succeeded=bool(n % 2), ip="198.51.100.1") for n in range(60)
    )
    mine = clients[-1]
    with django_assert_max_num_queries(8):
        assert mine.get(reverse("accounts:security")).status_code == 200
    with django_assert_max_num_queries(5):
        assert mine.get(reverse("accounts:sessions")).status_code == 200

"""No password, token, key or session id in any log line, across the flows that carry them.

Every logger is turned up to DEBUG and captured as the production handler writes it
(the `captured_logs` fixture); then each secret the flows handled is searched for.
"""

import re
import secrets

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _secret(prefix: str) -> str:
    return f"{prefix}-{secrets.token_urlsafe(12)}"


def _path_from_mail(pattern: str) -> str:
    for message in reversed(mail.outbox):
        match = re.search(pattern, message.body)
        if match:
            return match.group(0).split("testserver", 1)[-1]
    raise AssertionError(f"no email matches {pattern}: {[m.subject for m in mail.outbox]}")


def _cookies(client: Client) -> list[str]:
    return [c.value for c in client.cookies.values() if c.value]


def test_sign_up_sign_in_and_password_reset_log_no_secret(
    client, captured_logs, django_capture_on_commit_callbacks
):
    seen = []
    password = _secret("Signup-pw")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "logs@example.com", "password1": password, "password2": password},
        )
    assert response.status_code == 302
    confirm = _path_from_mail(r"https?://\S+/accounts/confirm-email/\S+/")
    seen.append(confirm.rstrip("/").rsplit("/", 1)[-1])  # the confirmation key
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirm).status_code == 302
    seen += _cookies(client)
    client.post(reverse("account_logout"))

    # A failed sign-in, then a good one.
    wrong = _secret("Wrong-pw")
    client.post(reverse("account_login"), {"login": "logs@example.com", "password": wrong})
    response = client.post(
        reverse("account_login"), {"login": "logs@example.com", "password": password}
    )
    assert response.status_code == 302
    seen += _cookies(client)
    client.post(reverse("account_logout"))

    # Password reset: the emailed key link, then a new password.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "logs@example.com"})
    key_path = _path_from_mail(r"https?://\S+/accounts/password/reset/key/\S+/")
    seen.append(key_path.rstrip("/").rsplit("/", 1)[-1])  # "<uidb36>-<key>"
    response = client.get(key_path)
    assert response.status_code == 302  # the key moves to the session
    new_password = _secret("Reset-pw")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response.url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302, response.content.decode()[:500]
    response = client.post(
        reverse("account_login"), {"login": "logs@example.com", "password": new_password}
    )
    assert response.status_code == 302
    seen += _cookies(client)

    # The flows were logged (the check would pass vacuously on an empty log).
    paths = [line["path"] for line in captured_logs.request_lines()]
    assert "/accounts/login/" in paths and "/accounts/password/reset/" in paths
    assert any(path.startswith("/accounts/password/reset/key/") for path in paths)
    captured_logs.assert_free_of(password, wrong, new_password, settings.SECRET_KEY, *seen)


def test_the_invitation_flow_logs_no_token(
    client, org, owner, captured_logs, django_capture_on_commit_callbacks
):
    owner_client = Client()
    owner_client.force_login(owner)
    seen = _cookies(owner_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("invitations:create", args=[org.name]),
            {"emails": "joiner@example.com", "role": "member"},
        )
    assert response.status_code == 302
    link = _path_from_mail(r"https?://\S+/invitations/accept/[A-Za-z0-9_-]+/")
    token = link.rstrip("/").rsplit("/", 1)[-1]

    # The invitee opens the link, signs up with the invited address and joins.
    response = client.get(link)
    assert response.status_code == 302
    response = client.get(response.url)
    password = _secret("Invitee-pw")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "joiner@example.com", "password1": password, "password2": password},
        )
    assert response.url == reverse("organizations:dashboard", args=[org.name])
    seen += _cookies(client)

    # The used link again (404), and a made-up token: Django's "Not Found" lines too.
    assert client.get(link).status_code == 404
    made_up = secrets.token_urlsafe(32)
    client.get(reverse("invitations:link", args=[made_up]))

    # An existing user accepting with the link while signed in.
    UserFactory(email="member2@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("invitations:create", args=[org.name]),
            {"emails": "member2@example.com", "role": "member"},
        )
    second_link = _path_from_mail(r"https?://\S+/invitations/accept/[A-Za-z0-9_-]+/")
    member_client = Client()
    from accounts.models import User

    member_client.force_login(User.objects.get(email="member2@example.com"))
    member_client.get(second_link)
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(reverse("invitations:accept"), {"action": "join"})
    assert response.status_code == 302
    seen += _cookies(member_client)

    lines = captured_logs.request_lines()
    assert any(line["path"] == "/invitations/accept/[redacted]/" for line in lines)
    assert any(
        "Not Found: /invitations/accept/[redacted]/" in e["message"]
        for e in captured_logs.json_entries
    )
    captured_logs.assert_free_of(
        token,
        second_link.rstrip("/").rsplit("/", 1)[-1],
        made_up,
        password,
        settings.SECRET_KEY,
        *seen,
    )


def test_the_check_finds_a_leak(captured_logs):
    """The scan is not vacuous: a secret written to a log is caught."""
    import logging

    leaked = _secret("Leaked")
    logging.getLogger("orgportal.test").debug("oops %s", leaked)
    with pytest.raises(AssertionError, match="is in the logs"):
        captured_logs.assert_free_of(leaked)

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.mail import queue_email
from organizations.models import Organization

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_the_login_and_case_insensitive():
    User = get_user_model()
    user = User.objects.create_user("Someone@Example.com", "pw")
    assert user.email == "someone@example.com"
    assert not hasattr(user, "username") or user.username is None
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="SOMEONE@example.com")


def test_signup_requires_email_verification(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    # Not signed in until the address is verified.
    assert client.get(reverse("organizations:list")).status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified
    # Confirming signs the user in; they can create an organization now.
    response = client.get(reverse("organizations:list"))
    assert response.status_code == 200
    response = client.post(reverse("organizations:create"), {"display_name": "Fresh"})
    assert Organization.objects.filter(name="fresh").exists()


def test_unverified_user_cannot_log_in(client, django_capture_on_commit_callbacks):
    UserFactory(email="pending@example.com", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"), {"login": "pending@example.com", "password": PASSWORD}
        )
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("organizations:list")).status_code == 302


def test_login_and_logout(client):
    UserFactory(email="member@example.com")
    response = client.post(
        reverse("account_login"), {"login": "member@example.com", "password": PASSWORD}
    )
    assert response.url == reverse("organizations:list")
    response = client.post(reverse("account_logout"))
    assert client.get(reverse("organizations:list")).status_code == 302


def test_password_reset_does_not_reveal_accounts(client, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.com")
    url = reverse("account_reset_password")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "known@example.com"})
        unknown = client.post(url, {"email": "unknown@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert mail.outbox[0].to == ["known@example.com"]
    assert "reset" in mail.outbox[0].body.lower()


def test_account_pages_use_the_portal_layout(client):
    user = UserFactory()
    for name in ("account_login", "account_signup", "account_reset_password"):
        content = client.get(reverse(name)).content.decode()
        assert "bootstrap/css/bootstrap.min.css" in content, name
        assert "form-control" in content, name
    client.force_login(user)
    for name in ("account_email", "account_change_password"):
        content = client.get(reverse(name)).content.decode()
        assert 'data-testid="org-switcher"' in content, name


def test_change_password(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-password-1",
            "password2": "a-new-long-password-1",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-password-1")


def test_queued_email_is_sent_after_commit_only(django_capture_on_commit_callbacks):
    from django.core.mail import EmailMessage

    with django_capture_on_commit_callbacks(execute=True):
        queue_email(EmailMessage("Hello", "Body", to=["a@example.com"]))
    assert [m.subject for m in mail.outbox] == ["Hello"]


def test_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    from django.core.mail import EmailMessage

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue_email(EmailMessage("Never", "Body", to=["a@example.com"]))
                raise Boom
        except Boom:
            pass
    assert callbacks == []
    assert mail.outbox == []

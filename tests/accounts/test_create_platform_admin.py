import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Platform-passphrase-42"


def test_the_first_platform_admin_signs_in_at_once(client, monkeypatch, capsys):
    monkeypatch.setenv("PLATFORM_ADMIN_PASSWORD", PASSWORD)
    call_command("create_platform_admin", "--email", "Ops@Example.com", "--no-input")

    user = User.objects.get(email="ops@example.com")
    assert user.is_staff and user.is_superuser
    assert EmailAddress.objects.get(user=user).verified
    assert PASSWORD not in capsys.readouterr().out
    response = client.post(
        reverse("account_login"), {"login": "ops@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("organizations:list")


def test_a_weak_password_or_a_taken_address_is_refused(monkeypatch):
    monkeypatch.setenv("PLATFORM_ADMIN_PASSWORD", "password")
    with pytest.raises(CommandError, match="too common"):
        call_command("create_platform_admin", "--email", "ops@example.com", "--no-input")
    assert not User.objects.exists()
    monkeypatch.setenv("PLATFORM_ADMIN_PASSWORD", PASSWORD)
    call_command("create_platform_admin", "--email", "ops@example.com", "--no-input")
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_platform_admin", "--email", "OPS@example.com", "--no-input")


def test_the_password_is_asked_twice(monkeypatch):
    answers = iter([PASSWORD, "something else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("create_platform_admin", "--email", "ops@example.com")

"""Two-factor authentication, sessions and the Security page: allauth.mfa and
allauth.usersessions as configured in config/settings.py, accounts/mfa.py and
accounts/views.py."""

import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    hotp_value,
)
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def code_for(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` at `at` (now by default)."""
    return format_hotp_value(hotp_value(secret, int(at or time.time()) // 30))


def sign_in_with_password(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def test_set_up_an_authenticator_app_then_sign_in_with_a_code(client):
    user = UserFactory(email="ada@example.com")
    with time_machine.travel("2026-12-02 10:00:00", tick=False):
        sign_in_with_password(client, user)
        # Setting up a second factor asks for the password again first.
        assert client.get(reverse("mfa_activate_totp")).status_code == 302
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        page = client.get(reverse("mfa_activate_totp"))
        assert page.status_code == 200
        secret = client.session[SECRET_SESSION_KEY]
        wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
        assert wrong.status_code == 200 and not Authenticator.objects.filter(user=user).exists()
        done = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
        assert done.status_code == 302
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    # The key is stored encrypted, never in the clear.
    assert secret not in str(totp.data)
    assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()
    client.post(reverse("account_logout"))

    with time_machine.travel("2026-12-02 10:05:00", tick=False):
        after_password = sign_in_with_password(client, user)
        assert after_password.url == reverse("mfa_authenticate")
        assert client.get(reverse("organizations:list")).status_code == 302  # not yet
        refused = client.post(reverse("mfa_authenticate"), {"code": "123456"})
        assert refused.status_code == 200
        signed_in = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
        assert signed_in.status_code == 302
        assert client.get(reverse("organizations:list")).status_code == 200


def test_a_recovery_code_signs_in_once_only(client):
    user = UserFactory(email="grace@example.com")
    TOTP.activate(user, "ORSXG5DUMVZXI5DFON2HIZLTOQ======")
    codes = RecoveryCodes.activate(user).generate_codes()
    sign_in_with_password(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    client.post(reverse("account_logout"))
    sign_in_with_password(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 200
    assert client.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302


def test_the_security_page_says_what_is_set_up_and_where_to_change_it(client_for):
    user = UserFactory(email="linus@example.com")
    client = client_for(user)
    text = client.get(reverse("accounts:security")).content.decode()
    assert 'data-testid="mfa-activate"' in text and reverse("mfa_activate_totp") in text
    assert reverse("accounts:sessions") in text
    TOTP.activate(user, "ORSXG5DUMVZXI5DFON2HIZLTOQ======")
    RecoveryCodes.activate(user)
    text = client.get(reverse("accounts:security")).content.decode()
    assert reverse("mfa_deactivate_totp") in text
    assert 'data-testid="recovery-left">10<' in text
    assert (
        reverse("accounts:security") in client.get(reverse("organizations:list")).content.decode()
    )


def test_sessions_are_listed_and_another_one_can_be_ended(client):
    user = UserFactory(email="ken@example.com")
    other = Client(HTTP_USER_AGENT="Other browser <b>x</b>")
    sign_in_with_password(other, user)
    sign_in_with_password(client, user)
    assert UserSession.objects.filter(user=user).count() == 2
    page = client.get(reverse("accounts:sessions"))
    assert page.status_code == 200
    assert (
        "Other browser &lt;b&gt;x&lt;/b&gt;"
        in client.get(reverse("accounts:security")).content.decode()
    )
    ended = client.post(reverse("accounts:sessions_end_others"))
    assert ended.status_code == 302
    assert other.get(reverse("organizations:list")).status_code == 302  # signed out
    assert client.get(reverse("organizations:list")).status_code == 200

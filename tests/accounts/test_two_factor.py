"""Recovery codes shown once then downloadable and regenerable; turning two-factor
authentication off asks for the password and a code; the Security page lists every
factor: accounts/views.py, accounts/forms.py, accounts/services.py, accounts/mfa_urls.py."""

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import Membership, SecurityPolicy

from ..factories import PASSWORD, MembershipFactory, UserFactory
from .test_security import code_for

pytestmark = pytest.mark.django_db

SECRET = "ORSXG5DUMVZXI5DFON2HIZLTOQ======"
START = "2026-12-02 10:00:00"


def with_totp(user) -> list[str]:
    TOTP.activate(user, SECRET)
    return RecoveryCodes.activate(user).generate_codes()


def add_key(user, name, *, passkey=False):
    credential = {"clientExtensionResults": {"credProps": {"rk": True}}} if passkey else {}
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": credential}
    )


def signed_in_recently(client, user):
    client.force_login(user)
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    return client


def test_recovery_codes_are_shown_once_then_downloadable_for_a_while(client):
    user = UserFactory()
    codes = with_totp(user)
    with time_machine.travel(START, tick=False):
        signed_in_recently(client, user)
        first = client.get(reverse("mfa_view_recovery_codes")).content.decode()
        assert all(code in first for code in codes)
        assert 'data-testid="recovery-download"' in first
        again = client.get(reverse("mfa_view_recovery_codes")).content.decode()
        assert not any(code in again for code in codes)
        assert 'data-testid="recovery-hidden"' in again and "recovery-download" not in again

        download = client.get(reverse("mfa_download_recovery_codes"))
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;")
        assert download.content.decode().split() == codes
        assert "no-store" in download["Cache-Control"]

    with time_machine.travel("2026-12-02 10:11:00", tick=False):
        assert client.get(reverse("mfa_download_recovery_codes")).status_code == 403


def test_codes_not_shown_in_this_session_cannot_be_downloaded(client, client_for):
    user = UserFactory()
    codes = with_totp(user)
    RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).mark_as_viewed()
    client = signed_in_recently(client, user)
    response = client.get(reverse("mfa_download_recovery_codes"))
    assert response.status_code == 403
    assert codes[0] not in response.content.decode()
    # Someone else's grant is not theirs: a fresh account has no codes to download.
    assert client_for(UserFactory()).get(reverse("mfa_download_recovery_codes")).status_code == 403


def test_new_codes_replace_the_old_ones_and_are_shown_once(client):
    user = UserFactory()
    old = with_totp(user)
    RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).mark_as_viewed()
    signed_in_recently(client, user)
    assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302
    shown = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    rc = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes"))
    new = rc.get_unused_codes()
    assert set(new).isdisjoint(old)
    assert all(code in shown for code in new)
    assert not rc.validate_code(old[0])


def test_turning_two_factor_off_asks_for_the_password_and_a_code(client):
    user = UserFactory()
    with_totp(user)
    add_key(user, "Work key")
    client.force_login(user)
    url = reverse("accounts:two_factor_off")
    with time_machine.travel(START, tick=False):
        page = client.get(url).content.decode()
        assert 'name="password"' in page and 'name="code"' in page
        no_password = client.post(url, {"password": "wrong-password", "code": code_for(SECRET)})
        assert "That is not your password." in no_password.content.decode()
        no_code = client.post(url, {"password": PASSWORD, "code": "000000"})
        assert no_code.status_code == 200
        assert "Incorrect code." in no_code.content.decode()
        assert Authenticator.objects.filter(user=user).count() == 3
        done = client.post(url, {"password": PASSWORD, "code": code_for(SECRET)})
    assert done.status_code == 302 and done.url == reverse("accounts:security")
    assert not Authenticator.objects.filter(user=user).exists()
    page = client.get(reverse("accounts:security")).content.decode()
    assert "Two-factor authentication is off" in page
    assert 'data-testid="mfa-state">Off<' in page
    # Nothing left to turn off: the page says so rather than asking.
    assert client.get(url).status_code == 302


def test_a_recovery_code_can_confirm_turning_it_off(client):
    user = UserFactory()
    add_key(user, "Only key")
    codes = RecoveryCodes.activate(user).generate_codes()
    client.force_login(user)
    url = reverse("accounts:two_factor_off")
    assert client.post(url, {"password": PASSWORD, "code": codes[3]}).status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()


def test_removing_the_authenticator_app_asks_for_the_password_and_a_code(client):
    user = UserFactory()
    with_totp(user)
    url = reverse("mfa_deactivate_totp")
    with time_machine.travel(START, tick=False):
        signed_in_recently(client, user)
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="password"' in page.content.decode()
        assert "This field is required" not in page.content.decode()
        refused = client.post(url, {})
        assert refused.status_code == 200
        refused = client.post(url, {"password": PASSWORD, "code": "123123"})
        assert refused.status_code == 200
        assert Authenticator.objects.filter(user=user, type="totp").exists()
        done = client.post(url, {"password": PASSWORD, "code": code_for(SECRET)})
    assert done.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()


def test_removing_the_last_key_goes_through_turning_it_off(client):
    user = UserFactory()
    first = add_key(user, "Old key")
    RecoveryCodes.activate(user)
    signed_in_recently(client, user)
    response = client.post(reverse("mfa_remove_webauthn", args=[first.pk]))
    assert response.status_code == 302 and response.url == reverse("accounts:two_factor_off")
    assert Authenticator.objects.filter(pk=first.pk).exists()
    # With another key left, a key is simply removed (after re-authentication).
    add_key(user, "New key")
    response = client.post(reverse("mfa_remove_webauthn", args=[first.pk]))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=first.pk).exists()
    # Another account's key is not found.
    theirs = add_key(UserFactory(), "Theirs")
    assert client.post(reverse("mfa_remove_webauthn", args=[theirs.pk])).status_code == 404
    assert Authenticator.objects.filter(pk=theirs.pk).exists()


def test_the_security_page_lists_every_factor_by_name(client_for):
    user = UserFactory()
    with_totp(user)
    add_key(user, "<b>Laptop</b>", passkey=True)
    add_key(user, "USB key")
    page = client_for(user).get(reverse("accounts:security")).content.decode()
    assert "&lt;b&gt;Laptop&lt;/b&gt;" in page and "<b>Laptop</b>" not in page
    keys = page[page.index('data-testid="security-keys"') :]
    assert keys.index("Passkey") < keys.index("USB key") < keys.index("Security key")
    assert 'data-testid="recovery-left">10<' in page
    for name in ("mfa_deactivate_totp", "mfa_add_webauthn", "mfa_list_webauthn"):
        assert reverse(name) in page
    assert reverse("mfa_generate_recovery_codes") in page
    assert reverse("accounts:two_factor_off") in page


def test_the_security_page_costs_the_same_whatever_is_set_up(client_for, django_assert_num_queries):
    user = UserFactory()
    client = client_for(user)
    client.get(reverse("accounts:security"))
    with CaptureQueriesContext(connection) as bare:
        client.get(reverse("accounts:security"))
    with_totp(user)
    for n in range(5):
        add_key(user, f"Key {n}", passkey=n % 2 == 0)
    with django_assert_num_queries(len(bare)):
        page = client.get(reverse("accounts:security"))
    assert page.content.decode().count("added 20") == 5


def test_a_passkey_opens_an_org_requiring_mfa_and_turning_it_off_closes_it(client, org):
    """An organization's MFA requirement counts security keys and passkeys (recovery codes
    alone do not), and turning two-factor off sends the member to set it up again."""
    member = MembershipFactory(organization=org, role=Membership.Role.MEMBER).user
    SecurityPolicy.objects.create(organization=org, require_mfa=True)
    dashboard = reverse("organizations:dashboard", args=[org.name])
    codes = RecoveryCodes.activate(member).generate_codes()
    client.force_login(member)
    assert client.get(dashboard).url == reverse("organizations:mfa_required")
    gate = client.get(reverse("organizations:mfa_required")).content.decode()
    assert reverse("mfa_add_webauthn") in gate and reverse("mfa_activate_totp") in gate
    add_key(member, "Phone", passkey=True)
    assert client.get(dashboard).status_code == 200
    turned_off = client.post(
        reverse("accounts:two_factor_off"), {"password": PASSWORD, "code": codes[0]}
    )
    assert turned_off.status_code == 302
    assert client.get(dashboard).url == reverse("organizations:mfa_required")

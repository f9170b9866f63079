"""The account type (personal or business): chosen at sign-up, edited in the profile."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from organizations import permissions
from organizations.models import GovernanceSettings

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_offers_the_account_type(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert 'name="account_type"' in html and "Business account" in html


@pytest.mark.parametrize(("posted", "stored"), [("business", "business"), (None, "personal")])
def test_signup_stores_the_account_type(client, posted, stored):
    data = {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    if posted:
        data["account_type"] = posted
    assert client.post(reverse("account_signup"), data).status_code == 302
    assert get_user_model().objects.get(email="new@example.com").account_type == stored


def test_profile_page_edits_name_and_account_type(client_for, governance):
    governance.who_may_create = GovernanceSettings.WhoMayCreate.BUSINESS
    governance.save()
    user = UserFactory()
    assert not permissions.can_create_organization(user)
    client = client_for(user)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200 and user.email in page.content.decode()
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "Bea", "last_name": "Business", "account_type": "business"},
        follow=True,
    )
    assert "Profile saved." in response.content.decode()
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.account_type) == ("Bea", "Business", "business")
    assert permissions.can_create_organization(user)


def test_profile_needs_sign_in(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_account_menu_links_to_the_profile(client_for):
    html = client_for(UserFactory()).get(reverse("account_email")).content.decode()
    assert html.count(reverse("accounts:profile")) >= 2  # top bar and the account pages' menu

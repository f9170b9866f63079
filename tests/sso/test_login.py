"""Home-realm discovery and SSO only on the one-step login form, against a real provider."""

import pytest
from django.urls import reverse

from organizations.models import Membership
from sso.models import OidcConnection, SsoPolicy
from tests.factories import PASSWORD, MembershipFactory, UserFactory

from .idp import wayne_org

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/accounts/login/"


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_verified_domain_address_goes_to_its_provider_with_an_empty_password(client, demo_idp):
    wayne_org(idp=demo_idp)
    response = client.post(LOGIN, {"login": "newbie@wayne.test", "password": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{demo_idp.url}/identity/o/authorize?")
    assert "login_hint=newbie%40wayne.test" in response["Location"]
    assert not signed_in(client)


def test_other_addresses_sign_in_with_their_password_as_before(client, demo_idp):
    wayne_org(idp=demo_idp)
    UserFactory(email="someone@example.com")
    response = client.post(LOGIN, {"login": "someone@example.com", "password": ""})
    assert response.status_code == 200 and not signed_in(client)
    response = client.post(LOGIN, {"login": "someone@example.com", "password": PASSWORD})
    assert response.status_code == 302 and signed_in(client)


def test_without_sso_only_a_domain_member_may_still_use_the_password(client, demo_idp):
    org, _ = wayne_org(idp=demo_idp)
    MembershipFactory(organization=org, user=UserFactory(email="lucius@wayne.test"))
    response = client.post(LOGIN, {"login": "lucius@wayne.test", "password": PASSWORD})
    assert response.status_code == 302 and signed_in(client)


def test_sso_only_blocks_the_password_of_a_domain_member(client, demo_idp):
    org, _ = wayne_org(idp=demo_idp)
    SsoPolicy.objects.create(organization=org, sso_only=True)
    MembershipFactory(organization=org, user=UserFactory(email="lucius@wayne.test"))
    response = client.post(LOGIN, {"login": "lucius@wayne.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(demo_idp.url)
    assert not signed_in(client)


def test_sso_only_keeps_the_owners_break_glass_password(client, demo_idp):
    org, owner = wayne_org(idp=demo_idp)
    SsoPolicy.objects.create(organization=org, sso_only=True)
    response = client.post(LOGIN, {"login": owner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert not response["Location"].startswith(demo_idp.url)
    assert signed_in(client)


def test_a_disabled_connection_routes_nobody(client, demo_idp):
    org, _ = wayne_org(idp=demo_idp, enabled=False)
    MembershipFactory(organization=org, user=UserFactory(email="lucius@wayne.test"))
    response = client.post(LOGIN, {"login": "lucius@wayne.test", "password": ""})
    assert response.status_code == 200 and not signed_in(client)
    page = client.get(reverse("sso:org_login", kwargs={"org_name": org.name})).content
    assert b"Sign in with Wayne SSO" not in page
    connection = OidcConnection.objects.get(organization=org)
    assert client.post(f"/accounts/oidc/{connection.provider_id}/login/").status_code == 404


def test_the_org_login_page_offers_its_connection_first(client, demo_idp):
    org, _ = wayne_org(idp=demo_idp)
    page = client.get(reverse("sso:org_login", kwargs={"org_name": org.name})).content.decode()
    assert page.index("Sign in with Wayne SSO") < page.index('name="password"')
    assert Membership.objects.filter(organization=org).count() == 1


def test_a_provider_that_does_not_answer_gets_a_page_not_a_500(client, demo_idp):
    org, _ = wayne_org(idp=demo_idp)
    OidcConnection.objects.filter(organization=org).update(issuer_url="http://127.0.0.1:9")
    response = client.post(LOGIN, {"login": "newbie@wayne.test", "password": ""})
    assert response.status_code == 502
    assert b"did not answer" in response.content
    connection = OidcConnection.objects.get(organization=org)
    response = client.post(f"/accounts/oidc/{connection.provider_id}/login/")
    assert response.status_code == 502


def test_test_connection_reads_the_providers_discovery_document(client, demo_idp):
    org, owner = wayne_org(idp=demo_idp)
    connection = OidcConnection.objects.get(organization=org)
    client.force_login(owner)
    url = reverse(
        "sso:connection_test", kwargs={"org_name": org.name, "connection_id": connection.pk}
    )
    response = client.post(url, follow=True)
    assert f"Connection OK: issuer {demo_idp.url}".encode() in response.content


def test_the_org_login_page_queries_stay_flat(client, demo_idp, django_assert_max_num_queries):
    org, _ = wayne_org(idp=demo_idp)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("sso:org_login", kwargs={"org_name": org.name}))
    assert response.status_code == 200

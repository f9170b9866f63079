import pytest
from django.urls import reverse

from sso import crypto, services
from sso.models import OidcConnection, VerifiedDomain

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def tab(org):
    return reverse("sso:settings", kwargs={"org_name": org.name})


def test_only_owners_see_the_tab(client_for, org, owner, admin_user):
    assert client_for(admin_user).get(tab(org)).status_code == 403
    response = client_for(owner).get(tab(org))
    assert response.status_code == 200
    assert b"Single sign-on" in response.content


def test_the_tab_queries_stay_flat(client_for, org, owner, django_assert_max_num_queries):
    for i in range(5):
        services.add_domain(org=org, actor=owner, domain=f"d{i}.test")
        services.create_connection(
            org=org,
            actor=owner,
            secret="x",
            name=f"IdP {i}",
            issuer_url="https://idp.example.com",
            client_id="c",
            enabled=True,
            assign_membership_on_login=False,
        )
    client = client_for(owner)
    with django_assert_max_num_queries(15):
        response = client.get(tab(org))
    assert response.content.count(b'data-testid="domain-row"') == 5


def test_an_owner_adds_a_domain_and_sees_its_txt_record(client_for, org, owner):
    client = client_for(owner)
    response = client.post(
        reverse("sso:domain_add", kwargs={"org_name": org.name}), {"domain": "acme.test"}
    )
    assert response.status_code == 302
    claimed = VerifiedDomain.objects.get(organization=org)
    page = client.get(tab(org)).content.decode()
    assert claimed.record_value in page
    assert "_orgportal-verification.acme.test" in page


def test_bad_input_is_a_message_never_a_500(client_for, org, owner):
    client = client_for(owner)
    for value in ["", HOSTILE, "x" * 400, "\x00"]:
        response = client.post(
            reverse("sso:domain_add", kwargs={"org_name": org.name}), {"domain": value}
        )
        assert response.status_code == 302
    page = client.get(tab(org)).content.decode()
    assert "<script>alert" not in page


def test_connection_changes_ask_for_the_password_again(client_for, org, owner):
    response = client_for(owner).post(
        reverse("sso:connection_create", kwargs={"org_name": org.name}),
        {"name": "x", "issuer_url": "https://idp.example.com", "client_id": "c", "secret": "s"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not OidcConnection.objects.exists()


def test_a_connection_secret_is_encrypted_and_never_shown(reauthenticated, org, owner):
    client = reauthenticated(owner)
    response = client.post(
        reverse("sso:connection_create", kwargs={"org_name": org.name}),
        {
            "name": HOSTILE,
            "issuer_url": "https://idp.example.com/",
            "client_id": "portal",
            "secret": "very-secret-value",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    connection = OidcConnection.objects.get(organization=org)
    assert "very-secret-value" not in connection.secret_encrypted
    assert crypto.decrypt(connection.secret_encrypted) == "very-secret-value"
    page = client.get(response["Location"]).content.decode()
    assert "very-secret-value" not in page
    assert "<script>alert" not in page
    assert f"/accounts/oidc/{connection.provider_id}/login/callback/" in page
    # Saving again without a secret keeps the stored one.
    client.post(
        response["Location"],
        {"name": "Acme SSO", "issuer_url": "https://idp.example.com", "client_id": "portal"},
    )
    connection.refresh_from_db()
    assert connection.name == "Acme SSO" and not connection.enabled
    assert crypto.decrypt(connection.secret_encrypted) == "very-secret-value"


def test_test_connection_reports_an_unreachable_provider(client_for, org, owner):
    connection = services.create_connection(
        org=org,
        actor=owner,
        secret="x",
        name="Down",
        issuer_url="http://127.0.0.1:9",
        client_id="c",
        enabled=True,
        assign_membership_on_login=False,
    )
    client = client_for(owner)
    response = client.post(
        reverse(
            "sso:connection_test", kwargs={"org_name": org.name, "connection_id": connection.pk}
        ),
        follow=True,
    )
    assert b"Could not read" in response.content


def test_sso_only_is_audited(reauthenticated, org, owner):
    client = reauthenticated(owner)
    client.post(reverse("sso:sso_only", kwargs={"org_name": org.name}), {"sso_only": "on"})
    assert org.sso_policy.sso_only
    assert org.audit_events.filter(action="sso.policy").exists()


def test_the_org_login_page_is_public_and_branded(client, org):
    org.display_name = HOSTILE
    org.primary_color = "#112233"
    org.logo_url = "https://example.com/logo.png"
    org.save()
    response = client.get(reverse("sso:org_login", kwargs={"org_name": org.name}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert 'data-testid="org-login-logo"' in page
    assert client.get("/o/no-such-org/login/").status_code == 404


def test_auto_join_lets_a_confirmed_domain_address_join(client_for, org, owner):
    from django.utils import timezone

    from sso.models import SsoPolicy
    from tests.factories import UserFactory

    VerifiedDomain.objects.create(organization=org, domain="acme.test", verified_at=timezone.now())
    newcomer = UserFactory(email="new@acme.test")
    stranger = UserFactory(email="new@elsewhere.test")
    unconfirmed = UserFactory(email="late@acme.test", verified=False)
    join = reverse("sso:join", kwargs={"org_name": org.name})
    login_page = reverse("sso:org_login", kwargs={"org_name": org.name})

    # Off by default: 404, like any org page the user may not see.
    assert client_for(newcomer).post(join).status_code == 404
    SsoPolicy.objects.create(organization=org, domain_join=SsoPolicy.DomainJoin.JOIN)
    assert b'data-testid="auto-join"' in client_for(newcomer).get(login_page).content
    response = client_for(newcomer).post(join)
    assert response.status_code == 302
    assert org.memberships.filter(user=newcomer, role="member").exists()
    assert org.audit_events.filter(action="member.join_domain", target="new@acme.test").exists()
    assert b'data-testid="auto-join"' not in client_for(newcomer).get(login_page).content
    for user in (stranger, unconfirmed):
        assert client_for(user).post(join).status_code == 404
        assert not org.memberships.filter(user=user).exists()


def test_auto_join_takes_a_seat(client_for, org, owner):
    from django.utils import timezone

    from organizations.models import Organization
    from sso.models import SsoPolicy
    from tests.factories import UserFactory

    VerifiedDomain.objects.create(organization=org, domain="acme.test", verified_at=timezone.now())
    SsoPolicy.objects.create(organization=org, domain_join=SsoPolicy.DomainJoin.JOIN)
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=1)
    newcomer = UserFactory(email="new@acme.test")
    response = client_for(newcomer).post(
        reverse("sso:join", kwargs={"org_name": org.name}), follow=True
    )
    assert b"No user seat is left" in response.content
    assert not org.memberships.filter(user=newcomer).exists()

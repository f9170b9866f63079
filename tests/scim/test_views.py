"""The Provisioning tab: owners create, rotate and revoke the org's SCIM token."""

import pytest
from django.urls import reverse

from organizations.models import AuditEvent, Membership
from scim.models import ScimToken
from scim.tokens import hash_token
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def tab(org):
    return reverse("scim:provisioning", kwargs={"org_name": org.name})


def test_owner_creates_a_token_shown_once_and_stored_hashed(owner_client, org):
    page = owner_client.get(tab(org))
    assert page.status_code == 200
    assert b"Create SCIM token" in page.content
    assert f"/scim/v2/{org.name}".encode() in page.content

    response = owner_client.post(tab(org))
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    raw = response.context["new_token"]
    assert raw.startswith("scim_") and raw.encode() in response.content
    token = ScimToken.objects.get(organization=org)
    assert token.token_hash == hash_token(raw)
    assert raw not in {token.token_hash, token.prefix}
    assert AuditEvent.objects.filter(organization=org, action="scim.token_create").exists()

    again = owner_client.get(tab(org))
    assert raw.encode() not in again.content
    assert token.prefix.encode() in again.content
    assert b"never used yet" in again.content
    # A second token is refused: rotate instead.
    owner_client.post(tab(org))
    assert ScimToken.objects.filter(organization=org).count() == 1


def test_rotate_and_revoke_ask_first(owner_client, org, token):
    live = ScimToken.objects.get(organization=org)
    rotate = reverse("scim:token_rotate", kwargs={"org_name": org.name, "token_id": live.pk})
    confirm = owner_client.get(rotate)
    assert confirm.status_code == 200
    assert b"Rotate token" in confirm.content
    assert ScimToken.objects.get(pk=live.pk).revoked_at is None

    rotated = owner_client.post(rotate)
    assert rotated.status_code == 201
    new_raw = rotated.context["new_token"]
    assert new_raw != token
    assert ScimToken.objects.get(pk=live.pk).revoked_at is not None
    new = ScimToken.objects.get(organization=org, revoked_at__isnull=True)

    revoke = reverse("scim:token_revoke", kwargs={"org_name": org.name, "token_id": new.pk})
    assert b"Revoke token" in owner_client.get(revoke).content
    assert ScimToken.objects.get(pk=new.pk).revoked_at is None
    response = owner_client.post(revoke)
    assert response.status_code == 302
    assert not ScimToken.objects.filter(organization=org, revoked_at__isnull=True).exists()
    actions = set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
    assert {"scim.token_rotate", "scim.token_revoke"} <= actions
    # A revoked token cannot be revoked or rotated again.
    owner_client.post(revoke)
    assert ScimToken.objects.filter(organization=org).count() == 2


@pytest.mark.parametrize("role", [Membership.Role.ADMIN, Membership.Role.MEMBER])
def test_only_owners_see_the_tab(client, org, role):
    member = MembershipFactory(organization=org, role=role).user
    client.force_login(member)
    assert client.get(tab(org)).status_code == 403
    assert client.post(tab(org)).status_code == 403
    assert not ScimToken.objects.exists()
    dashboard = client.get(reverse("organizations:dashboard", kwargs={"org_name": org.name}))
    assert b"Provisioning" not in dashboard.content


def test_owners_see_the_tab_in_the_nav(owner_client, org):
    dashboard = owner_client.get(reverse("organizations:dashboard", kwargs={"org_name": org.name}))
    assert tab(org).encode() in dashboard.content


def test_html_in_names_is_escaped(client, db):
    from tests.factories import UserFactory

    evil = UserFactory(email="evil@example.com")
    org = OrganizationFactory(created_by=evil, display_name="<script>alert(1)</script>")
    client.force_login(evil)
    client.post(tab(org))
    page = client.get(tab(org))
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    live = ScimToken.objects.get(organization=org)
    confirm = client.get(
        reverse("scim:token_revoke", kwargs={"org_name": org.name, "token_id": live.pk})
    )
    assert b"<script>alert(1)</script>" not in confirm.content


def test_the_audit_log_names_the_token_as_the_actor(owner_client, org, scim):
    scim.post("Users", {"userName": "jane@wayne.test"})
    page = owner_client.get(reverse("organizations:audit", kwargs={"org_name": org.name}))
    assert b"SCIM token scim_" in page.content


def test_tab_query_count_is_flat(owner_client, org, owner, django_assert_max_num_queries):
    from scim import services

    for _ in range(10):
        live = ScimToken.objects.filter(organization=org, revoked_at__isnull=True).first()
        if live:
            services.rotate_token(org=org, actor=owner, token=live)
        else:
            services.create_token(org=org, actor=owner)
    with django_assert_max_num_queries(12):
        assert owner_client.get(tab(org)).status_code == 200


def test_staff_see_tokens_read_only_in_admin(client, org, token):
    from tests.factories import UserFactory

    admin_client = client
    admin_client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = admin_client.get("/admin/scim/scimtoken/")
    assert listing.status_code == 200
    live = ScimToken.objects.get(organization=org)
    assert live.prefix.encode() in listing.content
    detail = admin_client.get(f"/admin/scim/scimtoken/{live.pk}/change/")
    assert detail.status_code == 200
    assert live.token_hash.encode() not in detail.content
    assert admin_client.get("/admin/scim/scimuser/").status_code == 200

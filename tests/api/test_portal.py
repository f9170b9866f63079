"""The org's "API clients" page: create, see once, rotate, revoke; teammates read only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiClient
from organizations.models import AuditEvent

from .conftest import get_token

pytestmark = pytest.mark.django_db


def page(org):
    return reverse("api:clients", args=[org.name])


def create(http, org, name="CI", scopes=("read:organizations",)):
    return http.post(page(org), {"name": name, "scopes": list(scopes)})


def test_an_owner_creates_a_client_and_sees_its_secret_once(client_for, owner, org):
    http = client_for(owner)
    response = create(http, org)
    assert response.status_code == 302
    shown = http.get(page(org))
    assert shown["Cache-Control"] == "no-store"
    secret = shown.context["new_secret"]["client_secret"]
    api_client = ApiClient.objects.get(organization=org)
    assert secret.encode() in shown.content
    assert api_client.client.check_secret(secret)
    assert api_client.client.get_scopes() == ["read:organizations"]
    again = http.get(page(org))
    assert secret.encode() not in again.content
    assert api_client.client_id.encode() in again.content
    get_token(APIClient(), api_client.client_id, secret)
    assert AuditEvent.objects.filter(organization=org, action="api_client.create").exists()


def test_a_client_needs_a_name_and_a_scope(client_for, owner, org):
    response = client_for(owner).post(page(org), {"name": "", "scopes": []})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"name", "scopes"}
    assert not ApiClient.objects.exists()


def test_teammates_see_clients_but_no_secret_and_cannot_create(client_for, owner, org, member_user):
    create(client_for(owner), org, name="HR sync")
    http = client_for(member_user)
    listed = http.get(page(org))
    assert listed.status_code == 200
    assert b"HR sync" in listed.content
    assert b"read:organizations" in listed.content
    assert b"Create an API client" not in listed.content
    assert listed.context["new_secret"] is None
    assert create(http, org, name="Mine").status_code == 403
    api_client = ApiClient.objects.get()
    for name in ("api:client_rotate", "api:client_revoke"):
        url = reverse(name, args=[org.name, api_client.client_id])
        assert http.post(url).status_code == 403
    assert ApiClient.objects.count() == 1 and not ApiClient.objects.get().is_revoked


def test_an_admin_rotates_then_revokes(client_for, admin_user, org):
    http = client_for(admin_user)
    create(http, org)
    old_secret = http.get(page(org)).context["new_secret"]["client_secret"]
    api_client = ApiClient.objects.get()
    token = get_token(APIClient(), api_client.client_id, old_secret)
    rotate = reverse("api:client_rotate", args=[org.name, api_client.client_id])
    assert b"Rotate the secret" in http.get(rotate).content
    assert http.post(rotate).status_code == 302
    new_secret = http.get(page(org)).context["new_secret"]["client_secret"]
    assert new_secret != old_secret
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v2/organizations").status_code == 401
    token = get_token(APIClient(), api_client.client_id, new_secret)
    revoke = reverse("api:client_revoke", args=[org.name, api_client.client_id])
    assert http.post(revoke).status_code == 302
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v2/organizations").status_code == 401
    assert b"revoked" in http.get(page(org)).content
    assert http.get(rotate).status_code == 404  # a revoked client is done with


def test_names_are_escaped(client_for, owner, org):
    http = client_for(owner)
    create(http, org, name="<script>alert(1)</script>")
    content = http.get(page(org)).content
    assert b"<script>alert(1)</script>" not in content
    assert b"&lt;script&gt;" in content


def test_the_list_keeps_a_flat_query_count(client_for, owner, org):
    http = client_for(owner)
    create(http, org, name="first")
    http.get(page(org))
    with CaptureQueriesContext(connection) as few:
        http.get(page(org))
    for i in range(8):
        create(http, org, name=f"more {i}")
    http.get(page(org))
    with CaptureQueriesContext(connection) as many:
        http.get(page(org))
    assert len(many) == len(few) <= 12

"""Fixtures of the Management API tests: clients, tokens, a signed request helper."""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import clients
from api.scopes import ALL_SCOPES
from organizations.models import Organization

from ..factories import OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def make_platform_client(superuser):
    def make(scopes=ALL_SCOPES, name="Platform"):
        return clients.create_platform_client(actor=superuser, name=name, scopes=list(scopes))

    return make


@pytest.fixture
def make_org_client(owner):
    def make(org, scopes=ALL_SCOPES, name="CI", actor=None):
        return clients.create_org_client(
            org=org, actor=actor or owner, name=name, scopes=list(scopes)
        )

    return make


def get_token(http, client_id, secret, **extra) -> str:
    response = http.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            **extra,
        },
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def api():
    """`api(client_and_secret)`: an APIClient holding a token of that client."""

    def make(pair):
        api_client, secret = pair
        http = APIClient()
        token = get_token(http, api_client.client_id, secret)
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        http.api_client = api_client
        return http

    return make


@pytest.fixture
def platform_api(api, make_platform_client):
    return api(make_platform_client())


@pytest.fixture
def tree(org, owner):
    """acme > group > subgroup, and a foreign org; acme is a reseller with room."""
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=50, is_reseller=True)
    org.refresh_from_db()
    group = OrganizationFactory(
        created_by=owner, parent=org, kind="group", name="acme-group", user_seat_limit=5
    )
    subgroup = OrganizationFactory(
        created_by=owner, parent=group, kind="group", name="acme-sub", user_seat_limit=2
    )
    foreign = OrganizationFactory(name="foreign")
    return {"org": org, "group": group, "subgroup": subgroup, "foreign": foreign}


def as_json(response):
    return json.loads(response.content)

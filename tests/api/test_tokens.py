"""`POST /oauth/token` and the bearer check: scopes, expiry, revocation, rotation."""

import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from api import clients
from api.models import ApiClient

from .conftest import as_json, get_token

pytestmark = pytest.mark.django_db

ORGS = "/api/v2/organizations"


def test_form_body_gives_a_bearer_token_with_the_granted_scopes(make_platform_client):
    api_client, secret = make_platform_client(scopes=["read:organizations"])
    response = APIClient().post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read:organizations"
    assert body["expires_in"] > 0
    assert "X-RateLimit-Limit" in response
    assert response["Cache-Control"] == "no-store"


def test_json_body_as_auth0_clients_send_it(make_platform_client):
    api_client, secret = make_platform_client()
    response = APIClient().generic(
        "POST",
        "/oauth/token",
        json.dumps(
            {
                "grant_type": "client_credentials",
                "client_id": api_client.client_id,
                "client_secret": secret,
                "audience": "https://orgportal.example/api/v2/",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert http.get(ORGS).status_code == 200


@pytest.mark.parametrize("body", ["[]", "{bad", '"x"'])
def test_json_body_that_is_no_object_is_refused(body):
    response = APIClient().generic("POST", "/oauth/token", body, content_type="application/json")
    assert response.status_code == 400


def test_wrong_secret_gets_no_token(make_platform_client):
    api_client, _ = make_platform_client()
    response = APIClient().post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": "wrong",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_narrower_scope_can_be_asked_for(make_platform_client):
    api_client, secret = make_platform_client()
    http = APIClient()
    token = get_token(http, api_client.client_id, secret, scope="read:organizations")
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert http.get(ORGS).status_code == 200
    assert http.post(ORGS, {"name": "x"}, format="json").status_code == 403


def test_a_scope_not_granted_is_refused_at_the_token_endpoint(make_platform_client):
    api_client, secret = make_platform_client(scopes=["read:organizations"])
    response = APIClient().post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": secret,
            "scope": "delete:organizations",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_the_secret_is_stored_hashed(make_platform_client):
    api_client, secret = make_platform_client()
    client = ApiClient.objects.get(pk=api_client.pk).client
    assert secret not in client.secret
    assert client.secret.count("$") >= 2  # Django's password hash format
    assert client.check_secret(secret) and not client.check_secret(secret + "x")


def test_an_expired_token_is_401(platform_api, settings):
    later = timezone.now() + timezone.timedelta(
        seconds=settings.IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN + 5
    )
    with time_machine.travel(later):
        response = platform_api.get(ORGS)
    assert response.status_code == 401
    assert as_json(response)["message"] == "Invalid token."


def test_a_revoked_client_is_401_at_once_and_gets_no_new_token(
    platform_api, superuser, make_platform_client
):
    api_client = platform_api.api_client
    clients.revoke_client(api_client=api_client, actor=superuser)
    assert platform_api.get(ORGS).status_code == 401


def test_rotation_kills_the_old_secret_and_tokens(make_platform_client, superuser, api):
    pair = make_platform_client()
    http = api(pair)
    _, new_secret = clients.rotate_client_secret(api_client=pair[0], actor=superuser)
    assert http.get(ORGS).status_code == 401
    fresh = APIClient()
    refused = fresh.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": pair[0].client_id,
            "client_secret": pair[1],
        },
    )
    assert refused.status_code == 401
    get_token(fresh, pair[0].client_id, new_secret)


def test_the_token_check_costs_at_most_two_queries(platform_api, org):
    """One query reads token, client and profile; `last_used_at` is written once a minute."""
    url = f"{ORGS}/{org.public_id}"
    with CaptureQueriesContext(connection) as first:
        assert platform_api.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert platform_api.get(url).status_code == 200
    # the org read itself is one query; everything else is the token check
    assert len(first) - 1 <= 2
    assert len(second) - 1 <= 1
    platform_api.api_client.refresh_from_db()
    assert platform_api.api_client.last_used_at is not None

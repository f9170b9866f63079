"""Contract tests of `/api/v2/organizations`: shapes, codes and bodies as Auth0's."""

import pytest

from organizations.models import AuditEvent, Organization

from .conftest import as_json

pytestmark = pytest.mark.django_db

ORGS = "/api/v2/organizations"


def test_create_returns_201_with_auth0_shape_and_audits_the_client(platform_api, superuser):
    response = platform_api.post(
        ORGS,
        {
            "name": "initech",
            "display_name": "Initech",
            "branding": {
                "logo_url": "https://example.com/logo.png",
                "colors": {"primary": "#112233", "page_background": "#FFFFFF"},
            },
            "metadata": {"region": "eu"},
            "enabled_connections": [],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = as_json(response)
    assert body["id"].startswith("org_")
    assert body == {
        "id": body["id"],
        "name": "initech",
        "display_name": "Initech",
        "branding": {
            "logo_url": "https://example.com/logo.png",
            "colors": {"primary": "#112233", "page_background": "#FFFFFF"},
        },
        "metadata": {"region": "eu"},
        "enabled_connections": [],
    }
    org = Organization.objects.get(public_id=body["id"])
    assert org.is_active and org.memberships.count() == 0
    assert org.created_by == superuser
    event = AuditEvent.objects.get(organization=org, action="org.create")
    assert event.actor is None
    assert event.actor_label == platform_api.api_client.label
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert header in response


def test_taken_name_is_409_organization_conflict(platform_api, org):
    response = platform_api.post(ORGS, {"name": org.name}, format="json")
    assert response.status_code == 409
    assert as_json(response) == {
        "statusCode": 409,
        "error": "Conflict",
        "message": "An organization with the same name already exists.",
        "errorCode": "organization_conflict",
    }


def test_missing_scope_is_403_insufficient_scope(api, make_platform_client):
    http = api(make_platform_client(scopes=["read:organizations"]))
    response = http.post(ORGS, {"name": "nope"}, format="json")
    assert response.status_code == 403
    assert as_json(response) == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "Insufficient scope; expected any of: create:organizations.",
        "errorCode": "insufficient_scope",
    }
    assert not Organization.objects.filter(name="nope").exists()


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"name": "Bad Name!"}, "name"),
        ({"name": "ok-name", "branding": {"colors": {"primary": "red"}}}, "primary_color"),
        ({"name": "ok-name", "branding": {"logo_url": "http://insecure"}}, "logo_url"),
        ({"name": "ok-name", "metadata": {"k": 5}}, "metadata"),
        ({"name": "ok-name", "metadata": {f"k{i}": "v" for i in range(26)}}, "metadata"),
        ({"display_name": "No name"}, "name"),
        ({"name": "ok-name", "enabled_connections": [{"connection_id": "con_1"}]}, "con_1"),
        ({"name": "ok-name", "enabled_connections": "x"}, "enabled_connections"),
        ([1, 2], "JSON object"),
    ],
)
def test_invalid_body_is_400_with_a_useful_message(platform_api, payload, fragment):
    response = platform_api.post(ORGS, payload, format="json")
    assert response.status_code == 400, response.content
    body = as_json(response)
    assert body["errorCode"] == "invalid_body"
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert fragment in body["message"]
    assert not Organization.objects.filter(name="ok-name").exists()


def test_malformed_json_is_400(platform_api):
    response = platform_api.generic("POST", ORGS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert as_json(response)["errorCode"] == "invalid_body"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer a b"])
def test_bad_token_is_401_invalid_token(client, header, org):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(ORGS, **extra)
    assert response.status_code == 401
    assert as_json(response) == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Invalid token.",
        "errorCode": "invalid_token",
    }
    assert "X-RateLimit-Limit" in response


def test_list_get_by_id_and_by_name(platform_api, org):
    listed = as_json(platform_api.get(ORGS))
    # In the database's order of names (its collation decides, as for the checkpoints).
    assert [item["name"] for item in listed] == list(
        Organization.objects.order_by("name").values_list("name", flat=True)
    )
    by_id = as_json(platform_api.get(f"{ORGS}/{org.public_id}"))
    by_name = as_json(platform_api.get(f"{ORGS}/name/{org.name}"))
    assert by_id == by_name
    assert by_id["id"] == org.public_id and by_id["display_name"] == "Acme Corporation"


def test_list_paging_totals_and_checkpoints(platform_api, org):
    from ..factories import OrganizationFactory

    for i in range(5):
        OrganizationFactory(name=f"zz-{i}")
    total = Organization.objects.count()
    page = as_json(platform_api.get(ORGS, {"page": 1, "per_page": 2, "include_totals": "true"}))
    assert page["start"] == 2 and page["limit"] == 2 and page["total"] == total
    assert len(page["organizations"]) == 2
    names, start = [], ""
    while True:
        chunk = as_json(platform_api.get(ORGS, {"from": start, "take": 2}))
        names += [item["name"] for item in chunk["organizations"]]
        if "next" not in chunk:
            break
        start = chunk["next"]
    assert names == list(Organization.objects.order_by("name").values_list("name", flat=True))


@pytest.mark.parametrize(
    "query",
    [
        {"page": "x"},
        {"per_page": "0"},
        {"per_page": "101"},
        {"include_totals": "maybe"},
        {"take": "-1"},
        {"page": "-1"},
    ],
)
def test_bad_query_is_400_invalid_query_string(platform_api, query):
    response = platform_api.get(ORGS, query)
    assert response.status_code == 400
    assert as_json(response)["errorCode"] == "invalid_query_string"


def test_unknown_org_is_404(platform_api):
    response = platform_api.get(f"{ORGS}/org_doesnotexist00000")
    assert response.status_code == 404
    assert as_json(response) == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The organization does not exist.",
        "errorCode": "inexistent_organization",
    }


def test_update_goes_through_the_service(platform_api, org):
    response = platform_api.patch(
        f"{ORGS}/{org.public_id}",
        {
            "display_name": "Acme Inc",
            "branding": {"colors": {"primary": "#000000"}},
            "metadata": {"tier": "gold"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert (org.display_name, org.primary_color, org.metadata) == (
        "Acme Inc",
        "#000000",
        {"tier": "gold"},
    )
    assert AuditEvent.objects.filter(organization=org, action="org.edit").exists()


def test_update_to_a_taken_name_is_409(platform_api, org, outsider):
    other = Organization.objects.exclude(pk=org.pk).first()
    response = platform_api.patch(f"{ORGS}/{org.public_id}", {"name": other.name}, format="json")
    assert response.status_code == 409
    assert as_json(response)["errorCode"] == "organization_conflict"


def test_delete_is_204_and_keeps_the_audit(platform_api, org):
    response = platform_api.delete(f"{ORGS}/{org.public_id}")
    assert response.status_code == 204
    assert not Organization.objects.filter(pk=org.pk).exists()
    assert AuditEvent.objects.filter(org_public_id=org.public_id, action="org.delete").exists()


def test_unknown_api_path_is_auth0_404(platform_api):
    response = platform_api.get("/api/v2/nothing-here")
    assert response.status_code == 404
    assert as_json(response)["errorCode"] == "not_found"
    assert "X-RateLimit-Remaining" in response


def test_a_nul_byte_in_the_query_is_auth0s_400(platform_api):
    response = platform_api.get(ORGS, {"from": "a\x00b"})
    assert response.status_code == 400
    assert as_json(response)["errorCode"] == "invalid_query_string"


def test_enabled_connections_lists_the_orgs_sso_connections_in_auth0_shape(platform_api):
    from sso.models import OidcConnection, SamlConnection

    from ..factories import OrganizationFactory

    org = OrganizationFactory(name="wayne")
    oidc = OidcConnection.objects.create(
        organization=org,
        name="Wayne <b>SSO</b>",
        issuer_url="https://idp.wayne.test/",
        client_id="c",
        assign_membership_on_login=True,
    )
    OidcConnection.objects.create(
        organization=org, name="Off", issuer_url="https://off.test/", client_id="c", enabled=False
    )
    saml = SamlConnection.objects.create(
        organization=org, name="Wayne SAML", idp_entity_id="https://idp.wayne.test/saml"
    )
    response = platform_api.get(f"{ORGS}/{org.public_id}/enabled_connections")
    assert response.status_code == 200, response.content
    assert as_json(response) == [
        {
            "connection_id": oidc.provider_id,
            "assign_membership_on_login": True,
            "connection": {"name": "Wayne <b>SSO</b>", "strategy": "oidc"},
        },
        {
            "connection_id": saml.provider_id,
            "assign_membership_on_login": False,
            "connection": {"name": "Wayne SAML", "strategy": "samlp"},
        },
    ]
    assert platform_api.get(f"{ORGS}/org_missing/enabled_connections").status_code == 404

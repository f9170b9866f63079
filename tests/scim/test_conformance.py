"""A SCIM client's run over real HTTP against the live server, as an identity provider
(Okta, Entra ID) provisions: discover, create, get, filter, patch, deactivate, delete,
for Users and Groups; then the refusals (another org's token, no seat left)."""

import json
import urllib.error
import urllib.request

import pytest

from organizations.models import Membership, Organization
from scim import services
from tests.factories import OrganizationFactory

SCIM = "application/scim+json"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Http:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def __call__(self, method: str, path: str, body=None, *, token=None):
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {token or self.token}",
                "Content-Type": SCIM,
                "Accept": SCIM,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, content, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, content, headers = error.code, error.read(), error.headers
        if content:
            assert headers["Content-Type"] == SCIM
        return status, json.loads(content) if content else None


def patch(operations):
    return {"schemas": [PATCH_OP], "Operations": operations}


@pytest.mark.django_db(transaction=True)
def test_identity_provider_run(live_server):
    org = OrganizationFactory(name="wayne-live", display_name="Wayne Live")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=3)
    _t, token = services.create_token(org=org, actor=org.created_by)
    scim = Http(f"{live_server.url}/scim/v2/{org.name}/", token)

    status, config = scim("GET", "ServiceProviderConfig")
    assert status == 200 and config["patch"]["supported"]
    assert scim("GET", "ResourceTypes")[0] == 200
    assert scim("GET", "Schemas")[0] == 200

    # The provider looks the person up first, then creates them.
    status, found = scim(
        "GET", "Users?filter=" + urllib.request.quote('userName eq "lucius@wayne.test"')
    )
    assert (status, found["totalResults"]) == (200, 0)
    status, lucius = scim(
        "POST",
        "Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "lucius@wayne.test",
            "name": {"givenName": "Lucius", "familyName": "Fox"},
            "emails": [{"value": "lucius@wayne.test", "primary": True}],
            "externalId": "00u1",
            "active": True,
        },
    )
    assert status == 201, lucius
    status, got = scim("GET", f"Users/{lucius['id']}")
    assert (status, got["userName"], got["active"]) == (200, "lucius@wayne.test", True)
    status, found = scim(
        "GET", "Users?filter=" + urllib.request.quote('userName eq "lucius@wayne.test"')
    )
    assert [r["id"] for r in found["Resources"]] == [lucius["id"]]

    status, got = scim(
        "PATCH",
        f"Users/{lucius['id']}",
        patch([{"op": "replace", "path": "name.givenName", "value": "Luke"}]),
    )
    assert (status, got["name"]["givenName"]) == (200, "Luke")

    status, alfred = scim("POST", "Users", {"userName": "alfred@wayne.test"})
    assert status == 201

    # No seat left: the owner, Lucius and Alfred fill the 3 seats.
    status, error = scim("POST", "Users", {"userName": "selina@wayne.test"})
    assert status == 409
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert "seat" in error["detail"]

    # Groups are teams.
    status, group = scim(
        "POST", "Groups", {"displayName": "R&D", "members": [{"value": lucius["id"]}]}
    )
    assert status == 201, group
    status, found = scim("GET", "Groups?filter=" + urllib.request.quote('displayName eq "R&D"'))
    assert [g["id"] for g in found["Resources"]] == [group["id"]]
    status, group = scim(
        "PATCH",
        f"Groups/{group['id']}",
        patch([{"op": "add", "path": "members", "value": [{"value": alfred["id"]}]}]),
    )
    assert {m["value"] for m in group["members"]} == {lucius["id"], alfred["id"]}
    status, group = scim(
        "PATCH",
        f"Groups/{group['id']}",
        patch([{"op": "remove", "path": f'members[value eq "{lucius["id"]}"]'}]),
    )
    assert [m["value"] for m in group["members"]] == [alfred["id"]]

    # Deactivating ends the membership (and frees the seat).
    status, got = scim(
        "PATCH",
        f"Users/{lucius['id']}",
        patch([{"op": "replace", "path": "active", "value": False}]),
    )
    assert (status, got["active"]) == (200, False)
    assert not Membership.objects.filter(organization=org, user__email="lucius@wayne.test").exists()
    assert scim("POST", "Users", {"userName": "selina@wayne.test"})[0] == 201

    # Another org's token never gets in, nor learns whether the org exists.
    other = OrganizationFactory()
    _t, other_token = services.create_token(org=other, actor=other.created_by)
    status, error = scim("GET", "Users", token=other_token)
    assert status == 401 and error["status"] == "401"

    assert scim("DELETE", f"Groups/{group['id']}")[0] == 204
    assert scim("GET", f"Groups/{group['id']}")[0] == 404
    assert scim("DELETE", f"Users/{lucius['id']}")[0] == 204
    assert scim("GET", f"Users/{lucius['id']}")[0] == 404
    status, listed = scim("GET", "Users?startIndex=1&count=1")
    assert (listed["totalResults"], listed["itemsPerPage"]) == (2, 1)

import pytest

from organizations.models import Organization
from scim import services
from tests.factories import OrganizationFactory


@pytest.fixture
def org(db):
    org = OrganizationFactory(name="wayne-test", display_name="Wayne Test")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=10)
    org.refresh_from_db()
    return org


@pytest.fixture
def owner(org):
    return org.created_by


@pytest.fixture
def token(org, owner):
    """The org's live SCIM token (its secret)."""
    _token, raw = services.create_token(org=org, actor=owner)
    return raw


@pytest.fixture
def scim(client, org, token):
    """A SCIM client: `scim.get("Users")`, `scim.post("Users", {...})`, ..."""
    return ScimClient(client, org.name, token)


class ScimClient:
    def __init__(self, client, org_name, token):
        self.client, self.base, self.token = client, f"/scim/v2/{org_name}/", token

    def call(self, method, path, body=None, *, token=None, **params):
        import json

        headers = {"Authorization": f"Bearer {token or self.token}"}
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/scim+json")
        elif params:
            kwargs["data"] = params
        return getattr(self.client, method)(self.base + path, **kwargs)

    def get(self, path, **params):
        return self.call("get", path, **params)

    def post(self, path, body, **kwargs):
        return self.call("post", path, body, **kwargs)

    def put(self, path, body):
        return self.call("put", path, body)

    def patch(self, path, operations):
        return self.call(
            "patch",
            path,
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": operations,
            },
        )

    def delete(self, path):
        return self.call("delete", path)

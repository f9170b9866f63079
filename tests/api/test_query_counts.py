"""List endpoints keep a flat query count: at most 8 queries at 10 rows and at 1,000."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invitations.models import Invitation
from organizations.models import Membership, Organization

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8


def _orgs(owner, count, *, prefix, parent=None):
    kind = "group" if parent else "standard"
    Organization.objects.bulk_create(
        Organization(
            name=f"{prefix}-{i:05d}",
            display_name=f"{prefix} {i}",
            created_by=owner,
            kind=kind,
            parent=parent,
        )
        for i in range(count)
    )


def _members(org, count, *, prefix):
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"{prefix}{i}@example.com") for i in range(count)
    )
    Membership.objects.bulk_create(Membership(organization=org, user=user) for user in users)


def _invitations(org, count, *, prefix):
    expires = timezone.now() + timezone.timedelta(days=7)
    Invitation.objects.bulk_create(
        Invitation(
            organization=org,
            email=f"{prefix}{i}@example.com",
            token_hash=f"{prefix}{i:060d}"[:64],
            expires_at=expires,
        )
        for i in range(count)
    )


def _count(http, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize(
    "params", [{}, {"per_page": 100, "include_totals": "true"}, {"from": "", "take": 100}]
)
@pytest.mark.parametrize("endpoint", ["organizations", "members", "invitations", "children"])
def test_list_endpoints_are_flat(platform_api, org, owner, endpoint, params):
    urls = {
        "organizations": "/api/v2/organizations",
        "members": f"/api/v2/organizations/{org.public_id}/members",
        "invitations": f"/api/v2/organizations/{org.public_id}/invitations",
        "children": f"/api/v2/organizations/{org.public_id}/children",
    }
    grow = {
        "organizations": lambda n, p: _orgs(owner, n, prefix=p),
        "members": lambda n, p: _members(org, n, prefix=p),
        "invitations": lambda n, p: _invitations(org, n, prefix=p),
        "children": lambda n, p: _orgs(owner, n, prefix=p, parent=org),
    }[endpoint]
    grow(10, "ten")
    platform_api.get(urls[endpoint], params)  # the token's first use writes last_used_at
    few = _count(platform_api, urls[endpoint], params)
    grow(990, "many")
    many = _count(platform_api, urls[endpoint], params)
    assert few == many <= MAX_QUERIES


def test_an_org_clients_list_is_flat_too(api, make_org_client, org, owner):
    http = api(make_org_client(org))
    _orgs(owner, 10, prefix="ten", parent=org)
    http.get("/api/v2/organizations")
    few = _count(http, "/api/v2/organizations", {"per_page": 100})
    _orgs(owner, 990, prefix="many", parent=org)
    many = _count(http, "/api/v2/organizations", {"per_page": 100})
    assert few == many <= MAX_QUERIES

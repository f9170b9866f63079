"""The whole OpenAPI schema, run against the live app in-process by schemathesis.

Every operation gets generated requests (valid and invalid bodies, paths and query
strings) with a platform client's token; no answer may be a server error, and every
answer must match the schema: its status code is documented, its body has the
documented shape.
"""

import os

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api import clients
from api.scopes import ALL_SCOPES
from config.wsgi import application
from invitations.services import invite_member

from ..factories import MembershipFactory, OrganizationFactory, UserFactory
from .conftest import get_token

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(transactional_db, settings):
    """The schema served by the app, called in-process through WSGI.

    The app closes its database connection after each request, as in production: the
    test data is committed (`transactional_db`), not held in a transaction it would end.
    """
    settings.API_RATE_LIMIT = 1_000_000
    return schemathesis.openapi.from_wsgi("/api/v2/schema/", application)


@pytest.fixture
def token(transactional_db):
    """A platform client's token."""
    cache.clear()
    root = UserFactory(is_staff=True, is_superuser=True)
    api_client, secret = clients.create_platform_client(
        actor=root, name="Schemathesis", scopes=list(ALL_SCOPES)
    )
    return get_token(APIClient(), api_client.client_id, secret)


def make_world() -> dict[str, str]:
    """Real ids for the path parameters: an org with a member, a child and an invitation."""
    org = OrganizationFactory(user_seat_limit=50, is_reseller=True)
    member = MembershipFactory(organization=org)
    OrganizationFactory(created_by=org.created_by, parent=org, kind="group")
    invitation = invite_member(org=org, inviter=org.created_by, email="someone@example.com")
    return {
        "org_id": org.public_id,
        "name": org.name,
        "user_id": f"usr_{member.user_id}",
        "invitation_id": f"uinv_{invitation.pk}",
    }


def with_real_ids(strategy, world):
    """Half the cases name the world's real objects, so answers past the 404 are checked."""

    def pick(pair):
        case, real = pair
        if real and case.path_parameters:
            for key in case.path_parameters:
                if key in world:
                    case.path_parameters[key] = world[key]
        return case

    return st.tuples(strategy, st.booleans()).map(pick)


# The pytest plugin of this schemathesis does not run on this pytest; hypothesis drives
# each operation's strategy directly instead.
@pytest.mark.django_db(transaction=True)
def test_the_schema_covers_every_endpoint(api_schema):
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert len(labels) == 20, sorted(labels)
    assert "POST /api/v2/organizations" in labels
    assert "GET /api/v2/organizations/{org_id}/enabled_connections" in labels


@pytest.mark.django_db(transaction=True)
def test_the_api_matches_its_schema_and_never_fails(api_schema, token, subtests):
    for operation in [result.ok() for result in api_schema.get_all_operations()]:
        with subtests.test(operation=operation.label):
            world = make_world()

            @given(case=with_real_ids(operation.as_strategy(), world))
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def run(case):
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

            run()

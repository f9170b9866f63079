"""PostgreSQL: API requests racing for the last seat; the services' row locks decide."""

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from api import clients
from api.scopes import ALL_SCOPES
from invitations.models import Invitation
from organizations.models import Organization

from ..factories import OrganizationFactory, UserFactory
from .conftest import get_token

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_api_invitations_for_the_last_seat_create_exactly_one(settings):
    settings.API_RATE_LIMIT = 10_000
    org = OrganizationFactory(name="api-race")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)  # the owner + one
    root = UserFactory(is_staff=True, is_superuser=True)
    api_client, secret = clients.create_platform_client(
        actor=root, name="Racer", scopes=list(ALL_SCOPES)
    )
    token = get_token(APIClient(), api_client.client_id, secret)
    url = f"/api/v2/organizations/{org.public_id}/invitations"
    barrier = threading.Barrier(20)
    statuses = [None] * 20

    def run(index):
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait(timeout=10)
            response = http.post(
                url,
                {"inviter": {"name": "Race"}, "invitee": {"email": f"racer{index}@example.com"}},
                format="json",
            )
            statuses[index] = (response.status_code, response.json().get("errorCode"))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Counter(statuses) == Counter({(201, None): 1, (409, "seat_limit_exceeded"): 19})
    assert Invitation.objects.filter(organization=org, status="pending").count() == 1

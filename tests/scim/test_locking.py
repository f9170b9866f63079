"""SCIM requests racing for the last seat: exactly one wins (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from organizations.models import Membership, Organization
from organizations.seats import SeatLimitExceeded
from scim import services
from scim.actors import ScimActor
from scim.models import ScimToken
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def test_racing_creates_leave_one_winner_for_the_last_seat():
    org = OrganizationFactory(name="race")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)  # the owner has one
    services.create_token(org=org, actor=org.created_by)
    actor = ScimActor.of(ScimToken.objects.get(organization=org))
    start = threading.Barrier(4)
    outcomes = []

    def provision(n):
        try:
            start.wait(5)
            services.provision_user(org=org, actor=actor, user_name=f"racer{n}@race.test")
            outcomes.append("created")
        except SeatLimitExceeded:
            outcomes.append("no_seat")
        finally:
            connection.close()

    threads = [threading.Thread(target=provision, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["created", "no_seat", "no_seat", "no_seat"]
    assert Membership.objects.filter(organization=org).count() == 2

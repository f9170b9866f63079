"""A seat purchase racing invitations for the last seats: the pool's row lock decides."""

import threading
from collections import Counter

import pytest
from django.db import connection

from billing import services
from invitations import services as invitation_services
from invitations.models import Invitation
from organizations import seats
from organizations.models import Membership, Organization

from ..factories import OrganizationFactory
from .conftest import add_card

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def race(calls):
    """Run each call in its own thread, all released at once; return outcome names."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except Exception as exc:
            outcomes[index] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def team_org_with_two_free_seats(plans):
    org = OrganizationFactory(name="seat-race")
    owner = org.created_by
    add_card(org, owner)
    services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=10)
    for i in range(7):
        invitation_services.invite_member(org=org, inviter=owner, email=f"held{i}@example.com")
    org.refresh_from_db()
    assert seats.usage(org, seats.USERS).available == 2
    return org, owner


def invites(org, owner):
    return [
        (
            lambda i=i: invitation_services.invite_member(
                org=org, inviter=owner, email=f"racer{i}@example.com"
            )
        )
        for i in range(20)
    ]


def assert_never_over_allocated(org):
    org.refresh_from_db()
    used = (
        Membership.objects.filter(organization=org).count()
        + Invitation.objects.filter(organization=org, status="pending").count()
    )
    assert used <= org.user_seat_limit
    return used


def test_a_seat_purchase_racing_twenty_invites_never_over_allocates(stripe_on, plans):
    org, owner = team_org_with_two_free_seats(plans)
    purchase = lambda: services.change_seats(org=org, actor=owner, user_seats=15)  # noqa: E731
    outcomes = race([purchase, *invites(org, owner)])

    assert outcomes[0] == "ok"
    invited = Counter(outcomes[1:])
    assert set(invited) <= {"ok", seats.SeatLimitExceeded.__name__}
    used = assert_never_over_allocated(org)
    assert org.user_seat_limit == 15
    # Invites before the purchase found 2 seats, after it 7: between 2 and 7 got one.
    assert 2 <= invited["ok"] <= 7
    assert used == 8 + invited["ok"]


def test_giving_seats_back_racing_twenty_invites_never_over_allocates(stripe_on, plans):
    org, owner = team_org_with_two_free_seats(plans)
    services.change_seats(org=org, actor=owner, user_seats=12)  # 4 free seats
    give_back = lambda: services.change_seats(org=org, actor=owner, user_seats=10)  # noqa: E731
    outcomes = race([give_back, *invites(org, owner)])

    assert outcomes[0] in ("ok", "SeatsInUse")
    invited = Counter(outcomes[1:])
    assert set(invited) <= {"ok", seats.SeatLimitExceeded.__name__}
    assert_never_over_allocated(org)
    org.refresh_from_db()
    if outcomes[0] == "ok":
        assert org.user_seat_limit == 10 and invited["ok"] <= 2
    else:
        assert org.user_seat_limit == 12 and invited["ok"] > 2
    assert Organization.objects.filter(pk=org.pk).exists()

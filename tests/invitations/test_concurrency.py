"""Requests racing for the last seat or the same link: PostgreSQL row locks decide."""

import threading
from collections import Counter

import pytest
from django.db import connection

from invitations import services
from invitations.errors import InvitationInvalid
from invitations.models import Invitation
from organizations.models import Membership, Organization
from organizations.seats import SeatLimitExceeded

from ..factories import OrganizationFactory, UserFactory, invitation_with_token

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
        thread.join(timeout=60)
    return Counter(outcomes)


def test_twenty_invitations_racing_for_the_last_seat_leave_one_new_member():
    org = OrganizationFactory(name="race")
    people = []
    for i in range(20):
        user = UserFactory(email=f"racer{i}@example.com")
        _, token = invitation_with_token(organization=org, email=user.email)
        people.append((user, token))
    # The limit was lowered after the invitations went out: one seat is left for members.
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)

    outcomes = race(
        [
            (lambda user=user, token=token: services.accept_invitation(token=token, user=user))
            for user, token in people
        ]
    )

    assert outcomes == Counter({"ok": 1, SeatLimitExceeded.__name__: 19})
    assert Membership.objects.filter(organization=org).count() == 2
    assert Invitation.objects.filter(organization=org, status="accepted").count() == 1


def test_ten_requests_accepting_the_same_link_create_one_membership():
    org = OrganizationFactory(name="same-link")
    user = UserFactory(email="twice@example.com")
    _, token = invitation_with_token(organization=org, email=user.email)

    outcomes = race([lambda: services.accept_invitation(token=token, user=user) for _ in range(10)])

    assert outcomes == Counter({"ok": 1, InvitationInvalid.__name__: 9})
    assert Membership.objects.filter(organization=org, user=user).count() == 1


def test_twenty_invites_racing_for_the_last_seat_leave_one_invitation():
    org = OrganizationFactory(name="invite-race")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)
    owner = org.created_by

    outcomes = race(
        [
            (
                lambda i=i: services.invite_member(
                    org=org, inviter=owner, email=f"wanted{i}@example.com"
                )
            )
            for i in range(20)
        ]
    )

    assert outcomes == Counter({"ok": 1, SeatLimitExceeded.__name__: 19})
    assert Invitation.objects.filter(organization=org, status="pending").count() == 1

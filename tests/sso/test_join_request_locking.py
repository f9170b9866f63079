"""Requests to join under concurrency (PostgreSQL row locks): the last seat has one
winner, and a person racing with themselves leaves one pending request."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from organizations import seats
from organizations.models import Membership, Organization
from sso import join_requests
from sso.models import JoinRequest, SsoPolicy, VerifiedDomain

from ..factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def asking_org():
    owner = UserFactory()
    org = OrganizationFactory(created_by=owner, name="racing")
    VerifiedDomain.objects.create(organization=org, domain="race.test", verified_at=timezone.now())
    SsoPolicy.objects.create(organization=org, domain_join=SsoPolicy.DomainJoin.REQUEST)
    return org, owner


def run_together(*targets):
    start = threading.Barrier(len(targets))

    def wrap(target):
        def run():
            try:
                start.wait(5)
                target()
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)


def test_two_approvals_racing_for_the_last_seat_leave_one_winner():
    org, owner = asking_org()
    admin = MembershipFactory(organization=org, role=Membership.Role.ADMIN).user
    requests = [
        join_requests.request_to_join(actor=UserFactory(email=f"r{i}@race.test"), org=org)
        for i in range(2)
    ]
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=3)  # owner, admin, one more
    outcomes = []

    def approve(actor, join_request):
        def run():
            try:
                join_requests.approve_join_request(actor=actor, join_request=join_request)
                outcomes.append("approved")
            except seats.SeatLimitExceeded:
                outcomes.append("no_seat")

        return run

    run_together(approve(owner, requests[0]), approve(admin, requests[1]))
    assert sorted(outcomes) == ["approved", "no_seat"]
    assert Membership.objects.filter(organization=org).count() == 3
    assert JoinRequest.objects.filter(status=JoinRequest.Status.PENDING).count() == 1


def test_one_request_approved_twice_at_once_adds_one_member():
    org, owner = asking_org()
    admin = MembershipFactory(organization=org, role=Membership.Role.ADMIN).user
    join_request = join_requests.request_to_join(actor=UserFactory(email="x@race.test"), org=org)
    outcomes = []

    def approve(actor):
        def run():
            try:
                join_requests.approve_join_request(actor=actor, join_request=join_request)
                outcomes.append("approved")
            except join_requests.SsoError as exc:
                outcomes.append(exc.code)

        return run

    run_together(approve(owner), approve(admin))
    assert sorted(outcomes) == ["already_decided", "approved"]
    assert Membership.objects.filter(organization=org, user=join_request.user).count() == 1


def test_asking_twice_at_once_leaves_one_pending_request():
    org, _ = asking_org()
    user = UserFactory(email="twice@race.test")
    ids = []

    def ask():
        ids.append(join_requests.request_to_join(actor=user, org=org).pk)

    run_together(ask, ask)
    assert len(ids) == 2 and ids[0] == ids[1]
    assert JoinRequest.objects.filter(organization=org, user=user).count() == 1

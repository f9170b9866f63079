"""invitations/selectors.py: the seats a page of orgs' invitations hold, as a statement,
are what the queryset counts, on SQLite and PostgreSQL alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from invitations import selectors
from invitations.models import Invitation

from ..factories import InvitationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_the_held_seats_of_a_page_of_orgs_are_what_the_queryset_counts(
    django_assert_num_queries,
):
    orgs = [OrganizationFactory() for _ in range(4)]
    for _ in range(3):
        InvitationFactory(organization=orgs[0])
    InvitationFactory(organization=orgs[1])
    InvitationFactory(organization=orgs[1], expires_at=timezone.now() - timedelta(minutes=1))
    InvitationFactory(organization=orgs[2], status=Invitation.Status.ACCEPTED)
    InvitationFactory(organization=orgs[2], status=Invitation.Status.REVOKED)
    ids = [org.pk for org in orgs]
    with django_assert_num_queries(1):
        counts = selectors.held_seat_counts(ids)
    assert counts == selectors.held_seat_counts_orm(ids) == {orgs[0].pk: 3, orgs[1].pk: 1}
    assert selectors.held_seat_counts(ids[1:2]) == {orgs[1].pk: 1}
    assert selectors.held_seat_counts(iter(ids[:1])) == {orgs[0].pk: 3}
    with django_assert_num_queries(0):
        assert selectors.held_seat_counts([]) == {}

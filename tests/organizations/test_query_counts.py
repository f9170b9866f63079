"""List pages keep a flat number of queries however many rows they show."""

import pytest
from django.urls import reverse

from organizations.models import AuditEvent, Membership, Organization, Team

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


def _bulk_members(org, count):
    users = [UserFactory.build(email=f"bulk{i}@example.com", password="x") for i in range(count)]
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.bulk_create(users)
    Membership.objects.bulk_create(Membership(organization=org, user=u) for u in users)


def test_dashboard_queries_do_not_grow(client_for, org, owner, django_assert_max_num_queries):
    _bulk_members(org, 300)
    Team.objects.bulk_create(Team(organization=org, name=f"Team {i}") for i in range(40))
    client = client_for(owner)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("organizations:dashboard", args=[org.name]))
    assert response.context["member_count"] == 301
    assert len(response.context["teams"]) == 41


def test_org_list_queries_do_not_grow(client_for, owner, django_assert_max_num_queries):
    for i in range(30):
        OrganizationFactory(created_by=owner, name=f"mine-{i}")
    client = client_for(owner)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("organizations:list"))
    assert response.context["page_obj"].paginator.count == 30
    assert Organization.objects.count() == 30


def test_audit_log_queries_do_not_grow(client_for, org, owner, django_assert_max_num_queries):
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org,
            org_name=org.name,
            org_public_id=org.public_id,
            actor=owner,
            actor_email=owner.email,
            action="test.bulk",
            detail={"i": i},
        )
        for i in range(200)
    )
    client = client_for(owner)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("organizations:audit", args=[org.name]) + "?page=3")
    assert len(response.context["events"]) == 25

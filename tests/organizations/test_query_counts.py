"""List pages keep a flat number of queries however many rows they show."""

import pytest
from django.urls import reverse

from organizations.models import (
    AuditEvent,
    Membership,
    Organization,
    OrganizationalUnit,
    Team,
    Workspace,
)

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


def _bulk_members(org, count, prefix="bulk"):
    users = [
        UserFactory.build(email=f"{prefix}{i}@example.com", password="x") for i in range(count)
    ]
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
    url = reverse("organizations:audit", args=[org.name])
    first = client.get(url)
    older = first.context["page"].older.encode()
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url, {"before": older})
    assert len(response.context["events"]) == 50


def _members_page_queries(client, org, django_assert_max_num_queries, **params):
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        response = client.get(reverse("organizations:members", args=[org.name]), params)
    assert response.status_code == 200
    return response, len(captured)


def test_members_page_queries_do_not_grow(client_for, org, owner, django_assert_max_num_queries):
    client = client_for(owner)
    _bulk_members(org, 10, prefix="few")
    _, few = _members_page_queries(client, org, django_assert_max_num_queries)
    _bulk_members(org, 300)
    teams = Team.objects.bulk_create(Team(organization=org, name=f"Team {i}") for i in range(10))
    for team in teams:
        team.members.add(*org.memberships.all()[:60])
    response, many = _members_page_queries(client, org, django_assert_max_num_queries)
    assert few == many
    assert len(response.context["members"]) == 50
    searched, _ = _members_page_queries(client, org, django_assert_max_num_queries, q="bulk1")
    assert searched.context["paginator"].count == 111  # bulk1, bulk10-19, bulk100-199


def test_teams_page_queries_do_not_grow(client_for, org, owner, django_assert_max_num_queries):
    _bulk_members(org, 100)
    teams = Team.objects.bulk_create(Team(organization=org, name=f"Team {i}") for i in range(60))
    for team in teams[:5]:
        team.members.add(*org.memberships.all())
    client = client_for(owner)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("organizations:teams", args=[org.name]))
    assert len(response.context["teams"]) == 50
    team = teams[0]
    with django_assert_max_num_queries(MAX_QUERIES + 1):
        response = client.get(reverse("organizations:team", args=[org.name, team.pk]))
    assert len(response.context["members"]) == 50


def test_structure_page_queries_do_not_grow(client_for, org, owner, django_assert_max_num_queries):
    units = []
    for i in range(20):
        parent = units[i // 2] if i else None
        units.append(
            OrganizationalUnit.objects.create(organization=org, name=f"U{i}", parent=parent)
        )
    Workspace.objects.bulk_create(
        Workspace(organization=org, unit=units[i % 20] if i % 3 else None, name=f"W{i}")
        for i in range(100)
    )
    client = client_for(owner)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("organizations:structure", args=[org.name]))
    assert len(response.context["nodes"]) == 20

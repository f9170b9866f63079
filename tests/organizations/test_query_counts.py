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
    # The first ten teams (default first, then by name) and a link to all of them.
    teams = response.context["teams"]
    assert [t.name for t in teams][:3] == ["Everyone", "Team 0", "Team 1"] and len(teams) == 10
    assert 'data-testid="all-teams"' in response.content.decode()


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
    older = first.context["page"].next
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
    assert searched.context["member_count"] == 111  # bulk1, bulk10-19, bulk100-199


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


# --- every org page, at once: at most 10 queries with many rows of everything -------------


@pytest.fixture
def crowded(org, owner):
    """`org` with many members (in teams), teams, units, workspaces, devices, pending
    invitations, audit events and nested groups; some groups hold invitations."""
    from datetime import timedelta

    from django.utils import timezone

    from invitations.models import Invitation
    from invitations.tokens import generate_token
    from organizations.models import Device

    Organization.objects.filter(pk=org.pk).update(
        is_reseller=True, user_seat_limit=10_000, device_seat_limit=1_000
    )
    org.refresh_from_db()
    _bulk_members(org, 120)
    teams = Team.objects.bulk_create(Team(organization=org, name=f"Team {i}") for i in range(60))
    memberships = list(org.memberships.all())
    for team in teams[:5]:
        team.members.add(*memberships)
    units = [OrganizationalUnit.objects.create(organization=org, name="Unit 0")]
    for i in range(1, 30):
        units.append(
            OrganizationalUnit.objects.create(
                organization=org, name=f"Unit {i}", parent=units[i // 2]
            )
        )
    workspaces = Workspace.objects.bulk_create(
        Workspace(organization=org, unit=units[i % 30], name=f"Space {i}") for i in range(80)
    )
    workspaces[0].members.add(*memberships)
    Device.objects.bulk_create(
        Device(organization=org, name=f"D{i}", identifier=f"D-{i}") for i in range(60)
    )
    later = timezone.now() + timedelta(days=7)
    Invitation.objects.bulk_create(
        Invitation(
            organization=org,
            email=f"wanted{i}@example.com",
            invited_by=owner,
            token_hash=generate_token()[1],
            expires_at=later,
        )
        for i in range(120)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org,
            org_name=org.name,
            org_public_id=org.public_id,
            actor=owner,
            actor_email=owner.email,
            action="team.create",
            detail={"i": i},
        )
        for i in range(200)
    )
    parents = [org]
    for depth in range(6):
        level = [
            Organization.objects.create(
                name=f"g{depth}-{i}",
                display_name=f"Group {depth}-{i}",
                kind="group",
                parent=parent,
                created_by=owner,
                user_seat_limit=1,
            )
            for i, parent in enumerate(parents * 2 if depth < 3 else parents[:8])
        ]
        Invitation.objects.bulk_create(
            Invitation(
                organization=group,
                email=f"group{group.pk}@example.com",
                invited_by=owner,
                token_hash=generate_token()[1],
                expires_at=later,
            )
            for group in level[::2]
        )
        parents = level
    member = org.memberships.get(user__email="bulk0@example.com")  # on the first page
    return {"team": teams[0], "workspace": workspaces[0], "member": member}


ORG_PAGES = [
    ("organizations:dashboard", [], {}),
    ("organizations:members", [], {}),
    ("organizations:members", [], {"q": "bulk1"}),
    ("organizations:members", [], {"page": "last"}),
    ("organizations:member_edit", ["member"], {}),
    ("organizations:teams", [], {}),
    ("organizations:team", ["team"], {}),
    ("organizations:structure", [], {}),
    ("organizations:workspace", ["workspace"], {}),
    ("organizations:audit", [], {}),
    ("organizations:audit", [], {"action": "team.create"}),
    ("organizations:devices", [], {}),
    ("organizations:children", [], {}),
    ("organizations:children", [], {"under": "g2-3"}),
    ("organizations:children", [], {"q": "Group 4"}),
    ("organizations:child_create", [], {"kind": "group"}),
    ("organizations:settings", [], {}),
    ("organizations:roles", [], {}),
    ("invitations:list", [], {}),
    ("invitations:create", [], {}),
]


@pytest.mark.parametrize(("name", "objects", "params"), ORG_PAGES)
def test_every_org_page_takes_at_most_ten_queries_with_many_rows(
    client_for, org, owner, crowded, django_assert_max_num_queries, name, objects, params
):
    client = client_for(owner)
    url = reverse(name, args=[org.name, *(crowded[key].pk for key in objects)])
    client.get(url, params)  # the recent-orgs cookie is set on the first visit
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url, params)
    assert response.status_code == 200


def test_the_members_page_shows_each_members_teams(client_for, org, owner, crowded):
    response = client_for(owner).get(reverse("organizations:members", args=[org.name]))
    row = next(m for m in response.context["members"] if m.pk == crowded["member"].pk)
    assert row.team_names == "Team 0, Team 1, Team 2, Team 3, Team 4"
    assert row.edit_url == reverse("organizations:member_edit", args=[org.name, row.pk])
    assert row.remove_url == reverse("organizations:member_remove", args=[org.name, row.pk])
    assert f'href="{row.edit_url}"' in response.content.decode()

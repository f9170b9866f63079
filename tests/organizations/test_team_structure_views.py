"""Teams, units and workspaces through the views, for each role."""

import pytest
from django.urls import reverse

from organizations import services
from organizations.models import AuditEvent, OrganizationalUnit, Team, Workspace

from ..factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"organizations:{name}", kwargs={"org_name": org.name, **kwargs})


@pytest.mark.parametrize(
    ("who", "read", "manage"),
    [
        ("owner", 200, 200),
        ("admin_user", 200, 200),
        ("member_user", 200, 403),
        ("outsider", 404, 404),
    ],
)
def test_pages_by_role(request, client_for, org, owner, who, read, manage):
    team = services.create_team(org=org, actor=owner, name="Design")
    unit = services.create_unit(org=org, actor=owner, name="Eng")
    workspace = services.create_workspace(org=org, actor=owner, name="API", unit=unit)
    client = client_for(request.getfixturevalue(who))
    for path in (
        url("teams", org),
        url("team", org, team_id=team.pk),
        url("structure", org),
        url("workspace", org, workspace_id=workspace.pk),
    ):
        assert client.get(path).status_code == read, path
    for path in (
        url("team_create", org),
        url("team_rename", org, team_id=team.pk),
        url("team_delete", org, team_id=team.pk),
        url("unit_create", org),
        url("unit_edit", org, unit_id=unit.pk),
        url("unit_delete", org, unit_id=unit.pk),
        url("workspace_create", org),
        url("workspace_edit", org, workspace_id=workspace.pk),
        url("workspace_delete", org, workspace_id=workspace.pk),
    ):
        assert client.get(path).status_code == manage, path


def test_member_cannot_post_to_team_or_workspace_pages(client_for, org, owner, member_user):
    team = services.create_team(org=org, actor=owner, name="Design")
    workspace = services.create_workspace(org=org, actor=owner, name="API")
    me = org.memberships.get(user=member_user)
    client = client_for(member_user)
    data = {"email": member_user.email}
    assert client.post(url("team", org, team_id=team.pk), data).status_code == 403
    path = url("workspace", org, workspace_id=workspace.pk)
    assert client.post(path, data).status_code == 403
    default = org.teams.get(is_default=True)
    default.members.add(me)
    remove = url("team_member_remove", org, team_id=default.pk, member_id=me.pk)
    assert client.post(remove).status_code == 403
    assert not team.members.exists() and not workspace.members.exists()
    assert default.members.filter(pk=me.pk).exists()


def test_team_life_cycle(client_for, org, admin_user, member_user):
    client = client_for(admin_user)
    response = client.post(url("team_create", org), {"name": "Design"})
    team = Team.objects.get(name="Design")
    assert response.url == url("team", org, team_id=team.pk)
    duplicate = client.post(url("team_create", org), {"name": "design"})
    assert "exists already" in duplicate.content.decode()
    me = org.memberships.get(user=member_user)
    client.post(url("team", org, team_id=team.pk), {"email": member_user.email.upper()})
    assert list(team.members.all()) == [me]
    assert (
        client.get(url("team_member_remove", org, team_id=team.pk, member_id=me.pk)).status_code
        == 405
    )
    client.post(url("team_member_remove", org, team_id=team.pk, member_id=me.pk))
    assert not team.members.exists()
    client.post(url("team_rename", org, team_id=team.pk), {"name": "UX"})
    team.refresh_from_db()
    assert team.name == "UX"
    assert "Delete team" in client.get(url("team_delete", org, team_id=team.pk)).content.decode()
    response = client.post(url("team_delete", org, team_id=team.pk), follow=True)
    assert "deleted" in response.content.decode()
    assert not Team.objects.filter(pk=team.pk).exists()
    assert AuditEvent.objects.filter(action__startswith="team.", actor=admin_user).count() == 5


def test_default_team_delete_is_refused_on_the_page(client_for, org, owner):
    default = org.teams.get(is_default=True)
    client = client_for(owner)
    assert (
        url("team_delete", org, team_id=default.pk)
        not in client.get(url("team", org, team_id=default.pk)).content.decode()
    )
    response = client.post(url("team_delete", org, team_id=default.pk))
    assert response.status_code == 200
    assert "cannot be deleted" in response.content.decode()
    assert Team.objects.filter(pk=default.pk).exists()


def test_empty_states(client_for, org, owner):
    client = client_for(owner)
    assert (
        "No organizational units or workspaces yet"
        in client.get(url("structure", org)).content.decode()
    )
    team = services.create_team(org=org, actor=owner, name="Empty")
    assert (
        "Nobody is in this team yet"
        in client.get(url("team", org, team_id=team.pk)).content.decode()
    )


def test_structure_life_cycle(client_for, org, owner, member_user):
    client = client_for(owner)
    client.post(url("unit_create", org), {"name": "Eng", "parent": ""})
    eng = OrganizationalUnit.objects.get(name="Eng")
    client.post(url("unit_create", org), {"name": "Backend", "parent": eng.pk})
    backend = OrganizationalUnit.objects.get(name="Backend")
    assert backend.parent == eng
    client.post(url("workspace_create", org), {"name": "API", "parent": backend.pk})
    api = Workspace.objects.get(name="API")
    assert api.unit == backend
    page = client.get(url("structure", org))
    assert [n.unit.name for n in page.context["nodes"]] == ["Eng", "Backend"]
    assert "API" in page.content.decode()
    # the move form never offers the unit itself or its descendants
    form = client.get(url("unit_edit", org, unit_id=eng.pk)).context["form"]
    assert [c[0] for c in form.fields["parent"].choices] == [""]
    cycle = client.post(
        url("unit_edit", org, unit_id=eng.pk), {"name": "Eng", "parent": backend.pk}
    )
    assert cycle.status_code == 200 and cycle.context["form"].errors
    client.post(url("workspace_edit", org, workspace_id=api.pk), {"name": "Gateway", "parent": ""})
    api.refresh_from_db()
    assert api.name == "Gateway" and api.unit is None
    me = org.memberships.get(user=member_user)
    client.post(url("workspace", org, workspace_id=api.pk), {"email": member_user.email})
    assert list(api.members.all()) == [me]
    client.post(url("workspace_member_remove", org, workspace_id=api.pk, member_id=me.pk))
    assert not api.members.exists()
    client.post(url("workspace_delete", org, workspace_id=api.pk))
    assert not Workspace.objects.exists()


def test_unit_delete_asks_what_to_do_with_its_contents(client_for, org, owner):
    eng = services.create_unit(org=org, actor=owner, name="Eng")
    services.create_workspace(org=org, actor=owner, name="API", unit=eng)
    client = client_for(owner)
    page = client.get(url("unit_delete", org, unit_id=eng.pk))
    assert "strategy" in page.context["form"].fields
    refused = client.post(url("unit_delete", org, unit_id=eng.pk))
    assert refused.status_code == 200 and OrganizationalUnit.objects.exists()
    client.post(url("unit_delete", org, unit_id=eng.pk), {"strategy": "move_up"})
    assert not OrganizationalUnit.objects.exists()
    assert Workspace.objects.get(name="API").unit is None


def test_empty_unit_delete_is_a_plain_confirmation(client_for, org, owner):
    unit = services.create_unit(org=org, actor=owner, name="Empty")
    client = client_for(owner)
    assert (
        "strategy"
        not in client.get(url("unit_delete", org, unit_id=unit.pk)).context["form"].fields
    )
    client.post(url("unit_delete", org, unit_id=unit.pk))
    assert not OrganizationalUnit.objects.exists()


def test_only_the_orgs_members_can_be_added(client_for, org, owner, outsider):
    team = services.create_team(org=org, actor=owner, name="Design")
    workspace = services.create_workspace(org=org, actor=owner, name="API")
    client = client_for(owner)
    for path in (
        url("team", org, team_id=team.pk),
        url("workspace", org, workspace_id=workspace.pk),
    ):
        response = client.post(path, {"email": outsider.email})
        assert response.status_code == 200
        assert "No member of this organization has this address." in response.content.decode()
    assert not team.members.exists() and not workspace.members.exists()


def test_adding_someone_twice_is_explained(client_for, org, owner, member_user):
    team = services.create_team(org=org, actor=owner, name="Design")
    client = client_for(owner)
    client.post(url("team", org, team_id=team.pk), {"email": member_user.email})
    response = client.post(url("team", org, team_id=team.pk), {"email": member_user.email})
    assert "is in this team already" in response.content.decode()


def test_team_members_are_paginated(client_for, org, owner):

    team = services.create_team(org=org, actor=owner, name="Big")
    team.members.add(*[MembershipFactory(organization=org) for _ in range(55)])
    client = client_for(owner)
    assert len(client.get(url("team", org, team_id=team.pk)).context["members"]) == 50
    second = client.get(url("team", org, team_id=team.pk), {"page": 2})
    assert len(second.context["members"]) == 5


def test_team_and_workspace_member_counts_are_their_own(client_for, org, owner):
    """Each team and workspace counts its own members only, also beside another org's."""
    other = OrganizationFactory(name="other-org")
    people = [MembershipFactory(organization=org) for _ in range(3)]
    strangers = [MembershipFactory(organization=other) for _ in range(2)]
    big = Team.objects.create(organization=org, name="Big")
    big.members.add(*people)
    Team.objects.create(organization=org, name="Empty")
    Team.objects.create(organization=other, name="Big").members.add(*strangers)
    workspace = Workspace.objects.create(organization=org, name="Lab")
    workspace.members.add(*people[:2])
    Workspace.objects.create(organization=other, name="Lab").members.add(*strangers)

    client = client_for(owner)
    teams = client.get(url("teams", org)).context["page_obj"].object_list
    counts = {team.name: team.member_count for team in teams}
    assert counts["Big"] == 3 and counts["Empty"] == 0
    dashboard = client.get(url("dashboard", org)).context["teams"]
    assert {team.name: team.member_count for team in dashboard} == counts
    tree = client.get(url("structure", org)).context["tree"]
    assert [(ws.name, ws.member_count) for ws in tree.workspaces] == [("Lab", 2)]

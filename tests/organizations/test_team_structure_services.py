"""Teams, organizational units and workspaces at the service level."""

import pytest
from django.core.exceptions import ValidationError

from organizations import services
from organizations.errors import NotAllowed, OrganizationError
from organizations.models import AuditEvent, OrganizationalUnit, Team, Workspace
from organizations.selectors import structure_tree

from ..factories import MembershipFactory, OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db


def actions(org):
    return list(
        AuditEvent.objects.filter(organization=org).order_by("id").values_list("action", "target")
    )


# --- teams --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin_user"])
def test_managers_create_rename_delete_teams(request, org, who):
    actor = request.getfixturevalue(who)
    team = services.create_team(org=org, actor=actor, name=" Design ")
    assert team.name == "Design" and not team.is_default
    services.rename_team(org=org, actor=actor, team=team, name="UX")
    services.delete_team(org=org, actor=actor, team=team)
    assert not Team.objects.filter(pk=team.pk).exists()
    assert actions(org)[-3:] == [
        ("team.create", "Design"),
        ("team.rename", "UX"),
        ("team.delete", "UX"),
    ]
    assert AuditEvent.objects.filter(action="team.create").get().actor == actor


def test_member_cannot_manage_teams(org, member_user):
    with pytest.raises(NotAllowed):
        services.create_team(org=org, actor=member_user, name="Mine")
    default = org.teams.get(is_default=True)
    with pytest.raises(NotAllowed):
        services.rename_team(org=org, actor=member_user, team=default, name="Mine")


def test_team_names_are_unique_in_an_org(org, owner, outsider):
    services.create_team(org=org, actor=owner, name="Design")
    with pytest.raises(ValidationError) as exc:
        services.create_team(org=org, actor=owner, name="design")
    assert exc.value.code == "name_taken"
    other = outsider.memberships.get().organization
    services.create_team(org=other, actor=outsider, name="Design")


def test_empty_team_name_is_refused(org, owner):
    with pytest.raises(ValidationError):
        services.create_team(org=org, actor=owner, name="  ")


def test_default_team_can_be_renamed_not_deleted(org, owner):
    default = org.teams.get(is_default=True)
    services.rename_team(org=org, actor=owner, team=default, name="All of us")
    default.refresh_from_db()
    assert default.name == "All of us" and default.is_default
    with pytest.raises(NotAllowed) as exc:
        services.delete_team(org=org, actor=owner, team=default)
    assert exc.value.code == "default_team"


def test_add_and_remove_team_members(org, owner, member_user):
    team = services.create_team(org=org, actor=owner, name="Design")
    membership = org.memberships.get(user=member_user)
    services.add_team_member(org=org, actor=owner, team=team, membership=membership)
    assert list(team.members.all()) == [membership]
    with pytest.raises(OrganizationError):
        services.add_team_member(org=org, actor=owner, team=team, membership=membership)
    services.remove_team_member(org=org, actor=owner, team=team, membership=membership)
    assert not team.members.exists()
    with pytest.raises(OrganizationError):
        services.remove_team_member(org=org, actor=owner, team=team, membership=membership)
    assert ("team.member_add", member_user.email) in actions(org)
    assert ("team.member_remove", member_user.email) in actions(org)
    assert org.memberships.filter(user=member_user).exists()


def test_foreign_teams_and_members_are_refused(org, owner, outsider):
    foreign_org = outsider.memberships.get().organization
    foreign_team = TeamFactory(organization=foreign_org)
    foreign_member = MembershipFactory(organization=foreign_org)
    with pytest.raises(OrganizationError):
        services.rename_team(org=org, actor=owner, team=foreign_team, name="Mine")
    team = services.create_team(org=org, actor=owner, name="Design")
    with pytest.raises(NotAllowed):
        services.add_team_member(org=org, actor=owner, team=team, membership=foreign_member)
    foreign_team.refresh_from_db()
    assert foreign_team.name != "Mine"


# --- units and workspaces -----------------------------------------------------------------


@pytest.fixture
def tree(org, owner):
    """Eng > Backend (with workspace API); Eng holds workspace Docs; workspace Top at the top."""
    eng = services.create_unit(org=org, actor=owner, name="Eng")
    backend = services.create_unit(org=org, actor=owner, name="Backend", parent=eng)
    api = services.create_workspace(org=org, actor=owner, name="API", unit=backend)
    docs = services.create_workspace(org=org, actor=owner, name="Docs", unit=eng)
    top = services.create_workspace(org=org, actor=owner, name="Top")
    return {"eng": eng, "backend": backend, "api": api, "docs": docs, "top": top}


def test_tree_shape(org, tree):
    root = structure_tree(org)
    assert [w.name for w in root.workspaces] == ["Top"]
    assert [(n.unit.name, n.depth) for n in root.walk()] == [("Eng", 0), ("Backend", 1)]
    eng = root.children[0]
    assert [w.name for w in eng.workspaces] == ["Docs"]
    assert [w.name for w in eng.children[0].workspaces] == ["API"]
    assert ("unit.create", "Backend") in actions(org)
    assert ("workspace.create", "API") in actions(org)


def test_member_cannot_change_structure(org, member_user, tree):
    with pytest.raises(NotAllowed):
        services.create_unit(org=org, actor=member_user, name="Mine")
    with pytest.raises(NotAllowed):
        services.delete_workspace(org=org, actor=member_user, workspace=tree["top"])


def test_admin_changes_structure(org, admin_user, tree):
    services.update_unit(
        org=org, actor=admin_user, unit=tree["backend"], name="Server", parent=None
    )
    tree["backend"].refresh_from_db()
    assert tree["backend"].name == "Server" and tree["backend"].parent is None


def test_move_unit_never_inside_itself(org, owner, tree):
    for parent in (tree["eng"], tree["backend"]):
        with pytest.raises(ValidationError) as exc:
            services.update_unit(org=org, actor=owner, unit=tree["eng"], name="Eng", parent=parent)
        assert exc.value.code == "cycle"


def test_move_unit_audit(org, owner, tree):
    services.update_unit(org=org, actor=owner, unit=tree["backend"], name="Backend", parent=None)
    event = AuditEvent.objects.filter(action="unit.move").get()
    assert event.detail["changed"]["parent"] == {"from": "Eng", "to": None}


def test_rename_and_move_workspace(org, owner, tree):
    services.update_workspace(
        org=org, actor=owner, workspace=tree["top"], name="Top", unit=tree["eng"]
    )
    services.update_workspace(
        org=org, actor=owner, workspace=tree["top"], name="Roof", unit=tree["eng"]
    )
    tree["top"].refresh_from_db()
    assert tree["top"].unit == tree["eng"] and tree["top"].name == "Roof"
    assert [a for a, _ in actions(org)][-2:] == ["workspace.move", "workspace.edit"]


def test_deleting_a_unit_that_holds_things_needs_a_choice(org, owner, tree):
    with pytest.raises(OrganizationError) as exc:
        services.delete_unit(org=org, actor=owner, unit=tree["eng"])
    assert exc.value.code == "strategy_required"
    assert Workspace.objects.count() == 3 and OrganizationalUnit.objects.count() == 2


def test_delete_unit_moving_contents_up(org, owner, tree):
    services.delete_unit(org=org, actor=owner, unit=tree["eng"], strategy=services.MOVE_UP)
    tree["backend"].refresh_from_db()
    tree["docs"].refresh_from_db()
    assert tree["backend"].parent is None and tree["docs"].unit is None
    assert Workspace.objects.count() == 3
    event = AuditEvent.objects.get(action="unit.delete")
    assert event.detail == {
        "strategy": "move_up",
        "moved_units": ["Backend"],
        "moved_workspaces": ["Docs"],
    }


def test_delete_nested_unit_moves_up_one_level(org, owner, tree):
    services.delete_unit(org=org, actor=owner, unit=tree["backend"], strategy=services.MOVE_UP)
    tree["api"].refresh_from_db()
    assert tree["api"].unit == tree["eng"]


def test_delete_unit_with_contents(org, owner, tree):
    services.delete_unit(org=org, actor=owner, unit=tree["eng"], strategy=services.DELETE_CONTENTS)
    assert not OrganizationalUnit.objects.exists()
    assert list(Workspace.objects.values_list("name", flat=True)) == ["Top"]
    event = AuditEvent.objects.get(action="unit.delete")
    assert event.detail["deleted_workspaces"] == ["API", "Docs"]
    assert event.detail["deleted_units"] == ["Backend"]


def test_empty_unit_deletes_without_a_choice(org, owner):
    unit = services.create_unit(org=org, actor=owner, name="Empty")
    services.delete_unit(org=org, actor=owner, unit=unit)
    assert not OrganizationalUnit.objects.exists()


def test_database_never_drops_workspaces_with_their_unit(org, tree):
    from django.db.models import RestrictedError

    with pytest.raises(RestrictedError):
        tree["backend"].delete()


def test_unit_and_workspace_names_unique_in_org(org, owner, tree):
    with pytest.raises(ValidationError):
        services.create_unit(org=org, actor=owner, name="eng")
    with pytest.raises(ValidationError):
        services.create_workspace(org=org, actor=owner, name="api")


def test_foreign_unit_is_refused(org, owner, outsider):
    foreign_org = outsider.memberships.get().organization
    foreign_unit = services.create_unit(org=foreign_org, actor=outsider, name="Theirs")
    with pytest.raises(OrganizationError):
        services.create_workspace(org=org, actor=owner, name="W", unit=foreign_unit)
    with pytest.raises(OrganizationError):
        services.delete_unit(org=org, actor=owner, unit=foreign_unit)
    assert OrganizationalUnit.objects.filter(pk=foreign_unit.pk).exists()


def test_assign_members_to_workspaces(org, owner, member_user, tree):
    membership = org.memberships.get(user=member_user)
    services.add_workspace_member(
        org=org, actor=owner, workspace=tree["api"], membership=membership
    )
    assert list(tree["api"].members.all()) == [membership]
    with pytest.raises(OrganizationError):
        services.add_workspace_member(
            org=org, actor=owner, workspace=tree["api"], membership=membership
        )
    services.remove_workspace_member(
        org=org, actor=owner, workspace=tree["api"], membership=membership
    )
    assert not tree["api"].members.exists()
    assert ("workspace.member_add", member_user.email) in actions(org)
    assert ("workspace.member_remove", member_user.email) in actions(org)


def test_foreign_member_cannot_be_assigned(org, owner, tree):
    foreign = MembershipFactory(organization=OrganizationFactory())
    with pytest.raises(NotAllowed):
        services.add_workspace_member(
            org=org, actor=owner, workspace=tree["api"], membership=foreign
        )


def test_delete_workspace(org, owner, tree):
    services.delete_workspace(org=org, actor=owner, workspace=tree["api"])
    assert not Workspace.objects.filter(name="API").exists()
    assert ("workspace.delete", "API") in actions(org)

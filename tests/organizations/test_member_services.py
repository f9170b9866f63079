"""Members: role changes, names, removal, leaving and deleting an org, at the service level."""

import pytest

from organizations import services
from organizations.errors import NotAllowed, OrganizationError
from organizations.models import (
    AuditEvent,
    Device,
    Membership,
    Organization,
    OrganizationalUnit,
    Team,
    Workspace,
)

from ..factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

Role = Membership.Role


def m(org, user):
    return org.memberships.get(user=user)


def last_event(org, action):
    return AuditEvent.objects.filter(org_name=org.name, action=action).latest("id")


# --- change_role --------------------------------------------------------------------------


def test_owner_promotes_member_to_admin_with_audit(org, owner, member_user):
    target = m(org, member_user)
    services.change_role(
        org=org, actor=owner, membership=target, role=Role.ADMIN, ip_address="10.0.0.1"
    )
    target.refresh_from_db()
    assert target.role == Role.ADMIN
    event = last_event(org, "member.role_change")
    assert event.actor == owner and event.target == member_user.email
    assert event.detail == {"from": "member", "to": "admin"}
    assert event.ip_address == "10.0.0.1"


def test_admin_changes_admins_and_members(org, admin_user, member_user):
    other_admin = MembershipFactory(organization=org, role=Role.ADMIN)
    services.change_role(org=org, actor=admin_user, membership=m(org, member_user), role=Role.ADMIN)
    services.change_role(org=org, actor=admin_user, membership=other_admin, role=Role.MEMBER)
    assert m(org, member_user).role == Role.ADMIN
    other_admin.refresh_from_db()
    assert other_admin.role == Role.MEMBER


def test_admin_cannot_make_an_owner(org, admin_user, member_user):
    with pytest.raises(NotAllowed):
        services.change_role(
            org=org, actor=admin_user, membership=m(org, member_user), role=Role.OWNER
        )
    assert m(org, member_user).role == Role.MEMBER
    assert not AuditEvent.objects.filter(action="member.role_change").exists()


def test_admin_cannot_unmake_an_owner(org, admin_user):
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    with pytest.raises(NotAllowed):
        services.change_role(org=org, actor=admin_user, membership=other_owner, role=Role.MEMBER)


def test_owner_makes_and_unmakes_owners(org, owner, member_user):
    target = m(org, member_user)
    services.change_role(org=org, actor=owner, membership=target, role=Role.OWNER)
    services.change_role(org=org, actor=owner, membership=target, role=Role.MEMBER)
    assert m(org, member_user).role == Role.MEMBER


def test_nobody_changes_the_initial_owner(org, owner):
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    with pytest.raises(NotAllowed) as exc:
        services.change_role(
            org=org, actor=other_owner.user, membership=m(org, owner), role=Role.ADMIN
        )
    assert exc.value.code == "initial_owner"
    assert m(org, owner).role == Role.OWNER


@pytest.mark.parametrize("who", ["owner", "admin_user", "member_user"])
def test_nobody_changes_their_own_role(request, org, who):
    user = request.getfixturevalue(who)
    own = m(org, user)
    new_role = Role.MEMBER if own.role != Role.MEMBER else Role.ADMIN
    with pytest.raises(NotAllowed):
        services.change_role(org=org, actor=user, membership=own, role=new_role)


def test_member_cannot_change_roles(org, member_user, admin_user):
    with pytest.raises(NotAllowed):
        services.change_role(
            org=org, actor=member_user, membership=m(org, admin_user), role=Role.MEMBER
        )


def test_outsider_cannot_change_roles(org, outsider, member_user):
    with pytest.raises(NotAllowed):
        services.change_role(
            org=org, actor=outsider, membership=m(org, member_user), role=Role.ADMIN
        )


def test_unknown_role_is_refused(org, owner, member_user):
    with pytest.raises(OrganizationError) as exc:
        services.change_role(org=org, actor=owner, membership=m(org, member_user), role="god")
    assert exc.value.code == "invalid_role"


def test_an_org_keeps_an_owner(org, owner):
    # A damaged org whose creator lost the owner role: its last owner cannot be demoted.
    Membership.objects.filter(organization=org, user=owner).update(role=Role.ADMIN)
    last_owner = MembershipFactory(organization=org, role=Role.OWNER)
    with pytest.raises(OrganizationError) as exc:
        services.leave_organization(org=org, user=last_owner.user)
    assert exc.value.code == "last_owner"


# --- names --------------------------------------------------------------------------------


def test_admin_edits_member_name(org, admin_user, member_user):
    services.update_member_name(
        org=org,
        actor=admin_user,
        membership=m(org, member_user),
        first_name=" Ada ",
        last_name="Lovelace",
    )
    member_user.refresh_from_db()
    assert (member_user.first_name, member_user.last_name) == ("Ada", "Lovelace")
    assert last_event(org, "member.edit").detail["changed"]["first_name"]["to"] == "Ada"


def test_admin_cannot_edit_owner_name(org, admin_user, owner):
    with pytest.raises(NotAllowed):
        services.update_member_name(
            org=org, actor=admin_user, membership=m(org, owner), first_name="X", last_name="Y"
        )


def test_update_member_is_all_or_nothing(org, admin_user, member_user):
    with pytest.raises(NotAllowed):
        services.update_member(
            org=org,
            actor=admin_user,
            membership=m(org, member_user),
            role=Role.OWNER,
            first_name="Changed",
            last_name="Name",
        )
    member_user.refresh_from_db()
    assert member_user.first_name != "Changed"


# --- remove_member ------------------------------------------------------------------------


def test_owner_removes_anyone_but_the_initial_owner(org, owner, admin_user):
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    services.remove_member(org=org, actor=owner, membership=other_owner)
    services.remove_member(org=org, actor=owner, membership=m(org, admin_user))
    assert list(org.memberships.values_list("user", flat=True)) == [owner.pk]
    event = last_event(org, "member.remove")
    assert event.actor == owner and event.target == admin_user.email
    assert event.detail == {"role": "admin", "invitations_revoked": 0}


def test_nobody_removes_the_initial_owner(org, owner):
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    with pytest.raises(NotAllowed):
        services.remove_member(org=org, actor=other_owner.user, membership=m(org, owner))
    assert m(org, owner)


def test_admin_removes_admins_and_members_not_owners(org, admin_user, member_user):
    other_admin = MembershipFactory(organization=org, role=Role.ADMIN)
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    services.remove_member(org=org, actor=admin_user, membership=other_admin)
    services.remove_member(org=org, actor=admin_user, membership=m(org, member_user))
    with pytest.raises(NotAllowed):
        services.remove_member(org=org, actor=admin_user, membership=other_owner)
    assert set(org.memberships.values_list("role", flat=True)) == {"owner", "admin"}


def test_member_cannot_remove(org, member_user, admin_user):
    with pytest.raises(NotAllowed):
        services.remove_member(org=org, actor=member_user, membership=m(org, admin_user))


def test_remove_self_is_refused(org, admin_user):
    with pytest.raises(NotAllowed) as exc:
        services.remove_member(org=org, actor=admin_user, membership=m(org, admin_user))
    assert exc.value.code == "remove_self"


def test_removal_takes_the_member_out_of_teams_and_workspaces(org, owner, member_user):
    target = m(org, member_user)
    workspace = Workspace.objects.create(organization=org, name="WS")
    workspace.members.add(target)
    services.remove_member(org=org, actor=owner, membership=target)
    assert not Team.members.through.objects.filter(membership_id=target.pk).exists()
    assert not workspace.members.exists()


def test_removing_a_member_of_another_org_is_refused(org, owner, outsider):
    with pytest.raises(OrganizationError):
        services.remove_member(org=org, actor=owner, membership=outsider.memberships.get())
    assert outsider.memberships.exists()


# --- leave_organization -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_user", "member_user"])
def test_members_leave(request, org, who):
    user = request.getfixturevalue(who)
    services.leave_organization(org=org, user=user, ip_address="10.0.0.2")
    assert not org.memberships.filter(user=user).exists()
    event = last_event(org, "member.leave")
    assert event.actor == user and event.target == user.email


def test_other_owner_may_leave(org):
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    services.leave_organization(org=org, user=other_owner.user)
    assert not org.memberships.filter(pk=other_owner.pk).exists()


def test_initial_owner_cannot_leave(org, owner):
    with pytest.raises(NotAllowed):
        services.leave_organization(org=org, user=owner)
    assert org.memberships.filter(user=owner).exists()


def test_leaving_an_org_one_is_not_in(org, outsider):
    with pytest.raises(OrganizationError):
        services.leave_organization(org=org, user=outsider)


# --- delete_organization ------------------------------------------------------------------


def _family(org):
    group = Organization.objects.create(
        name="acme-group",
        display_name="Acme Group",
        kind="group",
        parent=org,
        created_by=org.created_by,
    )
    grandchild = Organization.objects.create(
        name="acme-sub",
        display_name="Acme Sub",
        kind="group",
        parent=group,
        created_by=org.created_by,
    )
    Membership.objects.create(organization=grandchild, user=UserFactory())
    unit = OrganizationalUnit.objects.create(organization=org, name="Eng")
    sub = OrganizationalUnit.objects.create(organization=org, name="Backend", parent=unit)
    Workspace.objects.create(organization=org, unit=sub, name="API")
    Workspace.objects.create(organization=org, name="Top")
    return group, grandchild


def test_deletion_summary_counts_descendants(org, member_user):
    group, grandchild = _family(org)
    from organizations.selectors import deletion_summary

    Device.objects.create(organization=grandchild, name="Kiosk", identifier="K-1")
    summary = deletion_summary(org)
    assert [c.name for c in summary.descendants] == [group.name, grandchild.name]
    assert summary.counts() == {
        "devices": 1,
        "child_organizations": 2,
        "members": 3,
        "teams": 1,
        "organizational_units": 2,
        "workspaces": 2,
        "invitations": 0,
    }


def test_reverse_relations_of_other_apps_are_counted_when_they_exist(org, member_user):
    from organizations.selectors import _reverse_count

    # `memberships` stands in for `invitations`, which another app adds.
    assert _reverse_count("memberships", [org.pk]) == 2
    assert _reverse_count("devices", [org.pk]) == 0
    assert _reverse_count("no_such_relation", [org.pk]) is None
    assert _reverse_count("name", [org.pk]) is None  # a plain field is not a relation


def test_owner_deletes_everything_but_the_audit_log(org, owner, member_user):
    _family(org)
    org_id = org.pk
    services.delete_organization(org=org, actor=owner, confirm_name="acme", ip_address="10.0.0.3")
    assert not Organization.objects.exists()
    assert not Membership.objects.filter(organization_id=org_id).exists()
    for model in (Team, OrganizationalUnit, Workspace):
        assert not model.objects.exists()
    events = AuditEvent.objects.filter(action="org.delete")
    assert {e.org_name for e in events} == {"acme", "acme-group", "acme-sub"}
    main = events.get(org_name="acme")
    assert main.organization is None and main.actor == owner
    assert main.detail["deleted"]["child_organizations"] == 2
    assert AuditEvent.objects.filter(org_name="acme", action="org.create").exists()


def test_other_owner_may_delete(org):
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    services.delete_organization(org=org, actor=other_owner.user, confirm_name="acme")
    assert not Organization.objects.filter(name="acme").exists()


@pytest.mark.parametrize("who", ["admin_user", "member_user", "outsider"])
def test_only_owners_delete(request, org, who):
    with pytest.raises(NotAllowed):
        services.delete_organization(
            org=org, actor=request.getfixturevalue(who), confirm_name="acme"
        )
    assert Organization.objects.filter(name="acme").exists()


def test_delete_needs_the_name(org, owner):
    with pytest.raises(OrganizationError) as exc:
        services.delete_organization(org=org, actor=owner, confirm_name="ACME")
    assert exc.value.code == "name_mismatch"
    assert Organization.objects.filter(name="acme").exists()
    assert not AuditEvent.objects.filter(action="org.delete").exists()


def test_deleting_one_org_leaves_others(org, owner, outsider):
    services.delete_organization(org=org, actor=owner, confirm_name="acme")
    assert Organization.objects.filter(created_by=outsider).exists()


def test_new_member_joins_default_team(org, owner):
    user = UserFactory()
    membership = services.add_member(org=org, user=user, actor=owner)
    assert list(membership.teams.values_list("is_default", flat=True)) == [True]


def test_owner_of_another_org_cannot_act_here(org, member_user):
    stranger_org = OrganizationFactory()
    with pytest.raises(NotAllowed):
        services.change_role(
            org=org, actor=stranger_org.created_by, membership=m(org, member_user), role=Role.ADMIN
        )

"""The permission matrix, tested as a table: (role, action) → allowed."""

import pytest

from organizations import permissions
from organizations.models import Membership
from organizations.permissions import INITIAL_OWNER, Action

from ..factories import MembershipFactory

Role = Membership.Role
COLUMNS = (INITIAL_OWNER, Role.OWNER, Role.ADMIN, Role.MEMBER)

#                               initial owner, owner, admin, member
EXPECTED_MATRIX = {
    Action.VIEW: (True, True, True, True),
    Action.EDIT: (True, True, True, False),
    Action.VIEW_AUDIT: (True, True, True, False),
    Action.EXPORT_AUDIT: (True, True, False, False),
    Action.MANAGE_MEMBERS: (True, True, True, False),
    Action.MANAGE_OWNERS: (True, True, False, False),
    Action.MANAGE_TEAMS: (True, True, True, False),
    Action.MANAGE_STRUCTURE: (True, True, True, False),
    Action.LEAVE: (False, True, True, True),
    Action.DELETE: (True, True, False, False),
    Action.MANAGE_CHILDREN: (True, True, True, False),
    Action.VIEW_DEVICES: (True, True, True, True),
    Action.MANAGE_DEVICES: (True, True, True, False),
    Action.INVITE: (True, True, True, False),
    Action.MANAGE_SECURITY: (True, True, False, False),
    Action.MANAGE_BILLING: (True, True, False, False),
    # Management API (issue 12): the org's API clients
    Action.MANAGE_API_CLIENTS: (True, True, True, False),
    # SCIM provisioning.
    Action.MANAGE_PROVISIONING: (True, True, False, False),
}

# acting column → may change/remove a holder of: initial owner, owner, admin, member
EXPECTED_MANAGEMENT = {
    INITIAL_OWNER: (False, True, True, True),
    Role.OWNER: (False, True, True, True),
    Role.ADMIN: (False, False, True, True),
    Role.MEMBER: (False, False, False, False),
}


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (role, action, allowed)
        for action, row in EXPECTED_MATRIX.items()
        for role, allowed in zip(COLUMNS, row, strict=True)
    ],
)
def test_matrix(role, action, allowed):
    assert permissions.role_allows(role, action) is allowed


def test_every_action_is_in_the_matrix_and_the_table():
    actions = {v for k, v in vars(Action).items() if not k.startswith("_")}
    assert actions == set(permissions.RULES_BY_ACTION) == set(EXPECTED_MATRIX)


def test_unknown_role_or_action_is_refused():
    assert not permissions.role_allows("stranger", Action.VIEW)
    assert not permissions.role_allows(Role.OWNER, "nuke")
    assert not permissions.membership_allows(None, Action.VIEW)


def test_management_table_matches():
    table = dict(permissions.role_management_table())
    for actor, row in EXPECTED_MANAGEMENT.items():
        assert table[permissions.MATRIX_ROLE_LABELS[actor]] == list(row)


@pytest.mark.django_db
def test_initial_owner_is_its_own_column(org, owner):
    creator = org.memberships.get(user=owner)
    assert permissions.matrix_role(creator) == INITIAL_OWNER
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    assert permissions.matrix_role(other_owner) == Role.OWNER


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("actor_role", "target_role", "new_role", "allowed"),
    [
        (Role.OWNER, Role.MEMBER, Role.OWNER, True),
        (Role.OWNER, Role.OWNER, Role.MEMBER, True),
        (Role.OWNER, Role.ADMIN, Role.MEMBER, True),
        (Role.ADMIN, Role.MEMBER, Role.ADMIN, True),
        (Role.ADMIN, Role.ADMIN, Role.MEMBER, True),
        (Role.ADMIN, Role.MEMBER, Role.OWNER, False),
        (Role.ADMIN, Role.OWNER, Role.MEMBER, False),
        (Role.MEMBER, Role.MEMBER, Role.ADMIN, False),
    ],
)
def test_can_change_role(org, actor_role, target_role, new_role, allowed):
    actor = MembershipFactory(organization=org, role=actor_role)
    target = MembershipFactory(organization=org, role=target_role)
    assert permissions.can_change_role(actor, target, new_role) is allowed
    assert permissions.can_remove_member(actor, target) is (
        target_role in permissions.manageable_roles(actor_role)
    )


@pytest.mark.django_db
def test_nobody_manages_themselves_or_the_initial_owner(org, owner):
    creator = org.memberships.get(user=owner)
    other_owner = MembershipFactory(organization=org, role=Role.OWNER)
    assert not permissions.can_manage_member(other_owner, creator)
    assert not permissions.can_manage_member(creator, creator)
    assert not permissions.can_manage_member(other_owner, other_owner)
    assert permissions.can_manage_member(creator, other_owner)


@pytest.mark.django_db
def test_members_of_another_org_are_not_manageable(org, owner, outsider):
    creator = org.memberships.get(user=owner)
    foreign = outsider.memberships.get()
    assert not permissions.can_manage_member(creator, foreign)


@pytest.mark.django_db
def test_assignable_roles(org, owner, admin_user):
    assert permissions.assignable_roles(org.memberships.get(user=owner)) == [
        Role.OWNER,
        Role.ADMIN,
        Role.MEMBER,
    ]
    assert permissions.assignable_roles(org.memberships.get(user=admin_user)) == [
        Role.ADMIN,
        Role.MEMBER,
    ]


def test_inherited_access_cannot_leave(org, owner):
    """A parent's owner opens a child with their role, but holds no membership to leave."""
    from organizations import services
    from organizations.selectors import membership_for

    child = services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Child",
        admin_email=owner.email,
        user_seats=1,
        device_seats=0,
    )
    outsider_owner = MembershipFactory(organization=org, role=Role.OWNER).user
    access = membership_for(outsider_owner, child.name)
    assert access.pk is None and access.role == Role.OWNER
    assert access.inherited_from == org
    perms = permissions.OrgPermissions(access)
    assert perms.inherited and perms.delete and perms.manage_children
    assert not perms.leave

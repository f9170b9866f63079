"""Machine actors (API clients) in the services: reach, role and granted actions."""

import pytest

from invitations import services as invitation_services
from organizations import services
from organizations.actors import MachineActor
from organizations.errors import NotAllowed
from organizations.models import AuditEvent, Membership, Organization
from organizations.permissions import Action, ServiceAction

from ..factories import OrganizationFactory

pytestmark = pytest.mark.django_db

EVERYTHING = frozenset(
    {
        Action.VIEW,
        Action.EDIT,
        Action.DELETE,
        Action.MANAGE_MEMBERS,
        Action.INVITE,
        Action.MANAGE_CHILDREN,
        ServiceAction.CREATE_FOR_OTHERS,
    }
)


def machine(*, org=None, role=Membership.Role.OWNER, actions=EVERYTHING, user=None):
    return MachineActor(
        key="c1",
        label="API client Test (c1)",
        role=role,
        org_id=org.pk if org else None,
        actions=actions,
        on_behalf_of=user,
    )


def test_a_granted_action_passes_and_is_audited_by_label(org):
    services.update_organization(org=org, actor=machine(), display_name="Renamed")
    event = AuditEvent.objects.get(organization=org, action="org.edit")
    assert (event.actor, event.actor_email, event.actor_label) == (
        None,
        "",
        "API client Test (c1)",
    )
    assert event.actor_name == "API client Test (c1)"


def test_an_action_not_granted_is_refused_whatever_the_role(org):
    with pytest.raises(NotAllowed):
        services.update_organization(
            org=org, actor=machine(actions=frozenset({Action.VIEW})), display_name="No"
        )
    with pytest.raises(NotAllowed):
        invitation_services.invite_member(
            org=org, inviter=machine(actions=frozenset({Action.VIEW})), email="a@example.com"
        )


def test_an_org_machine_reaches_descendants_not_parents_or_strangers(org, owner):
    child = OrganizationFactory(created_by=owner, parent=org, kind="group", user_seat_limit=2)
    stranger = OrganizationFactory()
    actor = machine(org=child, role=Membership.Role.ADMIN)
    for target in (org, stranger):
        with pytest.raises(NotAllowed) as refused:
            services.update_organization(org=target, actor=actor, display_name="No")
        assert refused.value.code == "not_member"
    below = OrganizationFactory(created_by=owner, parent=child, kind="group")
    services.update_organization(org=below, actor=actor, display_name="Yes")


def test_unowned_orgs_only_by_platform_machines(owner):
    with pytest.raises(NotAllowed):
        services.create_unowned_organization(
            actor=machine(org=OrganizationFactory(), user=owner), display_name="X"
        )
    org = services.create_unowned_organization(actor=machine(user=owner), display_name="Fresh Co")
    assert org.is_active and org.created_by == owner and not org.memberships.exists()


def test_a_machine_never_joins_on_a_held_seat_nor_leaves(org, owner):
    with pytest.raises(NotAllowed):
        services.add_member(org=org, user=owner, actor=machine(), seat_is_held=True, role="member")
    with pytest.raises(NotAllowed):
        services.leave_organization(org=org, user=machine())


def test_a_child_created_by_a_machine_invites_its_admin_email(org, owner):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=20)
    org.refresh_from_db()
    child = services.create_child_organization(
        parent=org,
        creator=machine(user=owner),
        kind="group",
        display_name="Robots",
        admin_email=owner.email,
        user_seats=1,
        device_seats=0,
    )
    assert child.created_by == owner
    assert not child.memberships.exists()  # a machine is nobody's own address
    assert child.invitations.filter(email=owner.email, role="owner").exists()

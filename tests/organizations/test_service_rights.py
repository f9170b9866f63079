"""Every service that changes an org refuses an actor who may not act, and writes nothing.

One row per (service, actor who may not act): the service must raise its domain
refusal and leave every table as it was. A service added to organizations/services
without a row here fails `test_every_service_is_in_the_table`.
"""

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

import organizations.services as services_package
from invitations.models import Invitation
from notifications.models import OutboxEmail
from organizations import services
from organizations.errors import NotAllowed, OrganizationError
from organizations.models import (
    AuditEvent,
    Device,
    Membership,
    Organization,
    OrganizationalUnit,
    SecurityPolicy,
    Team,
    Workspace,
)

from ..factories import MembershipFactory, OrganizationFactory, UserFactory, staff_with

pytestmark = pytest.mark.django_db

Role = Membership.Role

# Public functions of organizations/services that change no org (reads, pure helpers,
# checks), with the reason they need no row.
NOT_ORG_CHANGING = {
    "suggest_org_name": "derives a name from a display name",
    "check_allotment": "a read-only check run by callers that lock and authorize",
    "check_seat_limits": "a read-only check (the admin form's validation)",
    "unit_descendant_ids": "reads the unit tree",
    "notify_platform_admins": "queues emails, changes no org",
    "check_email_allowed": "a read-only check of the allowed domains, run under the caller's lock",
    "ensure_limit_covers_usage": "a read-only check run by callers that lock and authorize",
}


@pytest.fixture
def world(org, owner, admin_user, member_user, outsider):
    """An org with every kind of thing a service acts on, and every kind of actor."""
    Organization.objects.filter(pk=org.pk).update(
        user_seat_limit=50, device_seat_limit=10, is_reseller=True
    )
    org.refresh_from_db()
    second_owner = MembershipFactory(organization=org, role=Role.OWNER).user
    team = services.create_team(org=org, actor=owner, name="Platform")
    services.add_team_member(
        org=org, actor=owner, team=team, membership=org.memberships.get(user=member_user)
    )
    unit = services.create_unit(org=org, actor=owner, name="Engineering")
    workspace = services.create_workspace(org=org, actor=owner, name="Ops", unit=unit)
    services.add_workspace_member(
        org=org,
        actor=owner,
        workspace=workspace,
        membership=org.memberships.get(user=member_user),
    )
    device = services.register_device(org=org, actor=owner, name="Kiosk", identifier="K-1")
    group = services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Group",
        admin_email=owner.email,
        user_seats=5,
        device_seats=1,
    )
    group_owner = UserFactory()
    Membership.objects.create(organization=group, user=group_owner, role=Role.OWNER)
    customer = services.create_child_organization(
        parent=org,
        creator=owner,
        kind="customer",
        display_name="Customer",
        admin_email=owner.email,
        user_seats=5,
        device_seats=1,
    )
    customer_owner = UserFactory()
    Membership.objects.create(organization=customer, user=customer_owner, role=Role.OWNER)
    requester = UserFactory()
    pending = OrganizationFactory(created_by=requester, pending=True)
    rejected = OrganizationFactory(created_by=requester, pending=True)
    Organization.objects.filter(pk=rejected.pk).update(
        status=Organization.Status.REJECTED, rejection_reason="Tell us more."
    )
    rejected_member = MembershipFactory(organization=rejected, role=Role.MEMBER).user
    suspended = OrganizationFactory(created_by=requester)
    Organization.objects.filter(pk=suspended.pk).update(
        status=Organization.Status.SUSPENDED, suspension_reason="Unpaid."
    )
    return SimpleNamespace(
        org=org,
        team=team,
        default_team=org.teams.get(is_default=True),
        unit=unit,
        workspace=workspace,
        device=device,
        group=group,
        customer=customer,
        pending=pending,
        rejected=rejected,
        suspended=suspended,
        owner_m=org.memberships.get(user=second_owner),
        admin_m=org.memberships.get(user=admin_user),
        member_m=org.memberships.get(user=member_user),
        newcomer=UserFactory(),
        actors={
            "initial owner": owner,
            "owner": second_owner,
            "admin": admin_user,
            "member": member_user,
            "outsider": outsider,
            "unverified": UserFactory(verified=False),
            "group's own owner": group_owner,
            "customer's own owner": customer_owner,
            "requester": requester,
            "member of the rejected org": rejected_member,
            "staff without permissions": UserFactory(is_staff=True),
            "staff with seat permissions": staff_with("change_seat_limits", "change_reseller"),
            "approver": staff_with("approve_organization", "add_organization"),
            "superuser": UserFactory(is_staff=True, is_superuser=True),
        },
    )


@dataclass(frozen=True)
class Row:
    service: str
    actors: tuple[str, ...]
    kwargs: object  # world -> the service's arguments but the actor
    actor_arg: str = "actor"
    refusal: type[Exception] = NotAllowed


OUTSIDERS = ("member", "outsider", "staff without permissions")
NON_STAFF = ("initial owner", "admin", "outsider", "staff without permissions")

TABLE = (
    # approvals
    Row(
        "approve_organization",
        ("requester", "outsider", "staff without permissions", "staff with seat permissions"),
        lambda w: {"org": w.pending},
    ),
    Row(
        "approve_organizations",
        ("requester", "staff without permissions", "staff with seat permissions"),
        lambda w: {"orgs": [w.pending]},
    ),
    Row(
        "reject_organization",
        ("requester", "staff without permissions", "staff with seat permissions"),
        lambda w: {"org": w.pending, "reason": "No."},
    ),
    Row(
        "resubmit_organization",
        ("member of the rejected org", "outsider", "approver", "superuser"),
        lambda w: {"org": w.rejected},
    ),
    Row(
        "create_organization_for",
        ("initial owner", "staff without permissions", "staff with seat permissions"),
        lambda w: {"owner_email": "new@example.com", "display_name": "New Co"},
        actor_arg="staff",
    ),
    # billed seats (the billing app's plans and seat purchases)
    Row(
        "set_billed_seat_limits",
        ("admin", *OUTSIDERS, "customer's own owner", "superuser"),
        lambda w: {"org": w.org, "user_seat_limit": 60, "device_seat_limit": 10},
    ),
    Row(
        "set_billed_seat_limits",
        ("group's own owner",),
        lambda w: {"org": w.group, "user_seat_limit": 5, "device_seat_limit": 1},
    ),
    # children
    Row(
        "create_child_organization",
        (*OUTSIDERS, "superuser"),
        lambda w: {
            "parent": w.org,
            "kind": "group",
            "display_name": "Another group",
            "admin_email": "initial@example.com",
            "user_seats": 1,
            "device_seats": 0,
        },
        actor_arg="creator",
    ),
    Row(
        "change_allotment",
        (*OUTSIDERS, "group's own owner", "approver"),
        lambda w: {"group": w.group, "user_seats": 4, "device_seats": 0},
    ),
    Row(
        "change_customer_pool",
        ("admin", *OUTSIDERS, "customer's own owner", "approver"),
        lambda w: {"customer": w.customer, "user_seats": 9, "device_seats": 2},
    ),
    Row(
        "set_reseller",
        (*NON_STAFF, "approver"),
        lambda w: {"org": w.org, "is_reseller": False},
    ),
    # devices
    Row(
        "register_device",
        (*OUTSIDERS, "superuser"),
        lambda w: {"org": w.org, "name": "Scanner", "identifier": "S-1"},
    ),
    Row("remove_device", (*OUTSIDERS, "superuser"), lambda w: {"device": w.device}),
    # lifecycle
    Row(
        "create_organization",
        ("unverified",),
        lambda w: {"display_name": "Mine"},
        actor_arg="creator",
    ),
    Row(
        "create_unowned_organization",
        ("initial owner", "outsider", "staff without permissions", "staff with seat permissions"),
        lambda w: {"display_name": "Nobody's"},
    ),
    Row(
        "update_organization",
        (*OUTSIDERS, "staff with seat permissions"),
        lambda w: {"org": w.org, "display_name": "Renamed"},
    ),
    Row(
        "set_seat_limits",
        (*NON_STAFF, "approver"),
        lambda w: {"org": w.org, "user_seat_limit": 99, "device_seat_limit": 9},
    ),
    Row(
        "add_member",
        (*OUTSIDERS, "superuser"),
        lambda w: {"org": w.org, "user": w.newcomer, "role": "member"},
    ),
    # an admin where an owner is required
    Row("add_member", ("admin",), lambda w: {"org": w.org, "user": w.newcomer, "role": "owner"}),
    # only the invited person joins on a held seat
    Row(
        "add_member",
        ("initial owner", "outsider"),
        lambda w: {"org": w.org, "user": w.newcomer, "role": "member", "seat_is_held": True},
    ),
    Row(
        "delete_organization",
        ("admin", *OUTSIDERS, "superuser"),
        lambda w: {"org": w.org, "confirm_name": w.org.name},
    ),
    # members
    Row(
        "change_role",
        OUTSIDERS,
        lambda w: {"org": w.org, "membership": w.admin_m, "role": "member"},
    ),
    Row(
        "change_role",
        ("admin",),
        lambda w: {"org": w.org, "membership": w.member_m, "role": "owner"},
    ),
    Row(
        "update_member_name",
        OUTSIDERS,
        lambda w: {"org": w.org, "membership": w.admin_m, "first_name": "X", "last_name": "Y"},
    ),
    Row(
        "update_member_name",
        ("admin",),
        lambda w: {"org": w.org, "membership": w.owner_m, "first_name": "X", "last_name": "Y"},
    ),
    Row(
        "update_member",
        (*OUTSIDERS, "admin"),
        lambda w: {
            "org": w.org,
            "membership": w.owner_m,
            "role": "member",
            "first_name": "X",
            "last_name": "Y",
        },
    ),
    Row("remove_member", (*OUTSIDERS, "admin"), lambda w: {"org": w.org, "membership": w.owner_m}),
    Row(
        "leave_organization",
        ("initial owner", "outsider", "superuser"),
        lambda w: {"org": w.org},
        actor_arg="user",
    ),
    # structure
    Row("create_unit", OUTSIDERS, lambda w: {"org": w.org, "name": "Sales"}),
    Row(
        "update_unit",
        OUTSIDERS,
        lambda w: {"org": w.org, "unit": w.unit, "name": "Renamed", "parent": None},
    ),
    Row(
        "delete_unit",
        OUTSIDERS,
        lambda w: {"org": w.org, "unit": w.unit, "strategy": services.DELETE_CONTENTS},
    ),
    Row("create_workspace", OUTSIDERS, lambda w: {"org": w.org, "name": "Dev"}),
    Row(
        "update_workspace",
        OUTSIDERS,
        lambda w: {"org": w.org, "workspace": w.workspace, "name": "Renamed", "unit": None},
    ),
    Row("delete_workspace", OUTSIDERS, lambda w: {"org": w.org, "workspace": w.workspace}),
    Row(
        "add_workspace_member",
        OUTSIDERS,
        lambda w: {"org": w.org, "workspace": w.workspace, "membership": w.admin_m},
    ),
    Row(
        "remove_workspace_member",
        OUTSIDERS,
        lambda w: {"org": w.org, "workspace": w.workspace, "membership": w.member_m},
    ),
    # security policy
    Row(
        "update_security_policy",
        ("admin", *OUTSIDERS, "approver"),
        lambda w: {
            "org": w.org,
            "require_mfa": False,
            "allowed_email_domains": ["example.com"],
            "session_lifetime_hours": 8,
            "reauthentication_minutes": 10,
        },
    ),
    Row("send_mfa_reminders", ("admin", *OUTSIDERS, "approver"), lambda w: {"org": w.org}),
    # suspension
    Row(
        "suspend_organization",
        (*NON_STAFF, "approver", "staff with seat permissions"),
        lambda w: {"org": w.org, "reason": "Unpaid."},
    ),
    Row(
        "lift_suspension",
        ("requester", "outsider", "staff without permissions", "approver"),
        lambda w: {"org": w.suspended},
    ),
    # teams
    Row("create_team", OUTSIDERS, lambda w: {"org": w.org, "name": "Support"}),
    Row("rename_team", OUTSIDERS, lambda w: {"org": w.org, "team": w.team, "name": "Renamed"}),
    Row("delete_team", OUTSIDERS, lambda w: {"org": w.org, "team": w.team}),
    Row(
        "add_team_member",
        OUTSIDERS,
        lambda w: {"org": w.org, "team": w.team, "membership": w.admin_m},
    ),
    Row(
        "remove_team_member",
        OUTSIDERS,
        lambda w: {"org": w.org, "team": w.team, "membership": w.member_m},
    ),
)

CASES = [
    pytest.param(row, actor, id=f"{row.service}[{actor}]") for row in TABLE for actor in row.actors
]

SNAPSHOT_MODELS = (
    Organization,
    Membership,
    Team,
    Team.members.through,
    OrganizationalUnit,
    Workspace,
    Workspace.members.through,
    Device,
    AuditEvent,
    Invitation,
    OutboxEmail,
    SecurityPolicy,
)


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table a service may write, to compare before and after."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in SNAPSHOT_MODELS
    }


@pytest.mark.parametrize(("row", "actor_name"), CASES)
def test_service_refuses_an_actor_who_may_not_act(world, row, actor_name):
    service = getattr(services, row.service)
    kwargs = {**row.kwargs(world), row.actor_arg: world.actors[actor_name]}
    before = snapshot()
    with pytest.raises(row.refusal):
        service(**kwargs)
    assert snapshot() == before


def test_refusals_are_domain_errors_fit_for_users(world):
    """The table expects NotAllowed: the views turn it into a 403 or a message."""
    assert all(issubclass(row.refusal, OrganizationError) for row in TABLE)
    assert not any(issubclass(row.refusal, ValidationError) for row in TABLE)


def _public_service_functions() -> set[str]:
    names = set()
    for info in pkgutil.iter_modules(services_package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{services_package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                names.add(name)
    return names


def test_every_service_is_in_the_table():
    """A new public function in organizations/services needs a row (or a reason it has none)."""
    found = _public_service_functions()
    in_table = {row.service for row in TABLE}
    missing = found - in_table - set(NOT_ORG_CHANGING)
    assert not missing, f"add a row to TABLE for: {sorted(missing)}"
    assert not (in_table | set(NOT_ORG_CHANGING)) - found, "the table names a service gone"
    assert not in_table & set(NOT_ORG_CHANGING)


def test_the_allowed_actors_pass_the_same_checks(world):
    """The table refuses the right people, not everyone: the permitted ones succeed."""
    actors = world.actors
    services.update_organization(org=world.org, actor=actors["admin"], display_name="Renamed")
    services.set_seat_limits(
        org=world.org,
        actor=actors["staff with seat permissions"],
        user_seat_limit=60,
        device_seat_limit=10,
    )
    services.change_allotment(
        group=world.group, actor=actors["staff with seat permissions"], user_seats=4, device_seats=1
    )
    services.change_customer_pool(
        customer=world.customer, actor=actors["owner"], user_seats=9, device_seats=2
    )
    services.set_reseller(org=world.org, actor=actors["superuser"], is_reseller=False)
    services.set_billed_seat_limits(
        org=world.customer,
        actor=actors["customer's own owner"],
        user_seat_limit=9,
        device_seat_limit=2,
    )
    services.approve_organization(org=world.pending, actor=actors["approver"])
    services.update_organization(org=world.org, actor=actors["superuser"], display_name="Staff")
    world.org.refresh_from_db()
    assert (world.org.display_name, world.org.user_seat_limit, world.org.is_reseller) == (
        "Staff",
        60,
        False,
    )

"""The seat pools: arithmetic, nesting, and every entry point's refusal."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from organizations import seats, services
from organizations.errors import NotAllowed
from organizations.models import AuditEvent, Device, Membership, Organization
from organizations.seats import SeatLimitExceeded, SeatUsage

from ..factories import OrganizationFactory, UserFactory, staff_with

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("limit", "used", "allotted", "available"),
    [
        (10, 0, 0, 10),
        (10, 3, 0, 7),
        (10, 3, 4, 3),
        (10, 6, 4, 0),
        (5, 6, 0, 0),  # a limit lowered below usage never goes negative
        (0, 0, 0, 0),
    ],
)
def test_available_is_limit_minus_usage_minus_allotments(limit, used, allotted, available):
    assert SeatUsage(seats.USERS, limit, used, allotted).available == available


def group(parent, actor, *, users=2, devices=1, name=None):
    return services.create_child_organization(
        parent=parent,
        creator=actor,
        kind="group",
        display_name=name or f"Group of {parent.name}",
        admin_email=actor.email,
        user_seats=users,
        device_seats=devices,
    )


@pytest.fixture
def pool(org, owner):
    """Acme with 10 user seats and 5 device seats; the owner takes one user seat."""
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=10, device_seat_limit=5)
    org.refresh_from_db()
    return org


def test_usage_counts_members_devices_and_group_allotments(pool, owner):
    services.add_member(org=pool, user=UserFactory(), actor=owner)
    services.register_device(org=pool, actor=owner, name="Laptop", identifier="L-1")
    group(pool, owner, users=3, devices=2)
    usage = seats.all_usage(pool)
    assert (usage["users"].limit, usage["users"].used, usage["users"].allotted) == (10, 2, 3)
    assert usage["users"].available == 5
    assert (usage["devices"].used, usage["devices"].allotted, usage["devices"].available) == (
        1,
        2,
        2,
    )


def test_group_gets_its_allotment_and_owner(pool, owner):
    child = group(pool, owner, users=4, devices=2)
    assert child.kind == "group" and child.parent == pool
    assert (child.user_seat_limit, child.device_seat_limit) == (4, 2)
    assert child.memberships.get().user == owner
    assert child.memberships.get().role == Membership.Role.OWNER
    assert child.teams.get().is_default
    assert seats.usage(child, seats.USERS).available == 3
    actions = set(AuditEvent.objects.values_list("org_name", "action"))
    assert (pool.name, "org.child_create") in actions
    assert (child.name, "org.create") in actions


def test_group_cannot_get_more_than_parent_has_left(pool, owner):
    with pytest.raises(SeatLimitExceeded) as info:
        group(pool, owner, users=10)  # the owner holds one of the ten
    assert info.value.resource == "users" and info.value.available == 9
    assert "only 9 user seats left" in info.value.message
    with pytest.raises(SeatLimitExceeded) as info:
        group(pool, owner, users=1, devices=6)
    assert info.value.resource == "devices"
    assert not pool.children.exists()


def test_nested_groups_draw_from_their_parent_at_every_level(pool, owner):
    outer = group(pool, owner, users=6, devices=4, name="Outer")
    inner = group(outer, owner, users=3, devices=2, name="Inner")
    assert seats.usage(outer, seats.USERS).available == 6 - 1 - 3
    assert seats.usage(pool, seats.USERS).available == 10 - 1 - 6
    with pytest.raises(SeatLimitExceeded):
        group(outer, owner, users=3)  # outer has 2 left
    assert seats.pool_chain(inner) == [pool.pk, outer.pk, inner.pk]


def test_members_and_devices_of_a_group_use_its_allotment(pool, owner):
    child = group(pool, owner, users=2, devices=1)
    services.add_member(org=child, user=UserFactory(), actor=owner)
    with pytest.raises(SeatLimitExceeded) as info:
        services.add_member(org=child, user=UserFactory(), actor=owner)
    assert "No user seat is left" in info.value.message
    services.register_device(org=child, actor=owner, name="Phone", identifier="P-1")
    with pytest.raises(SeatLimitExceeded) as info:
        services.register_device(org=child, actor=owner, name="Phone 2", identifier="P-2")
    assert info.value.resource == "devices"
    # The parent's own pool is untouched by what the group uses within its allotment.
    assert seats.usage(pool, seats.USERS).available == 10 - 1 - 2


def test_raise_allotment_only_up_to_what_parent_has(pool, owner):
    child = group(pool, owner, users=2, devices=1)
    services.change_allotment(group=child, actor=owner, user_seats=9, device_seats=5)
    child.refresh_from_db()
    assert (child.user_seat_limit, child.device_seat_limit) == (9, 5)
    with pytest.raises(ValidationError) as info:
        services.change_allotment(group=child, actor=owner, user_seats=10, device_seats=5)
    assert "user_seats" in info.value.message_dict
    assert AuditEvent.objects.filter(action="org.allotment_change").count() == 2  # group + parent


def test_lower_allotment_never_below_what_the_group_uses(pool, owner):
    child = group(pool, owner, users=5, devices=3)
    group(child, owner, users=2, devices=1, name="Grandchild")
    services.register_device(org=child, actor=owner, name="D", identifier="D-1")
    with pytest.raises(ValidationError) as info:
        services.change_allotment(group=child, actor=owner, user_seats=2, device_seats=3)
    assert "already uses 3 user seats" in info.value.message_dict["user_seats"][0]
    with pytest.raises(ValidationError) as info:
        services.change_allotment(group=child, actor=owner, user_seats=5, device_seats=1)
    assert "device_seats" in info.value.message_dict
    services.change_allotment(group=child, actor=owner, user_seats=3, device_seats=2)


def test_customers_have_pools_of_their_own(pool, owner):
    Organization.objects.filter(pk=pool.pk).update(is_reseller=True)
    pool.refresh_from_db()
    customer = services.create_child_organization(
        parent=pool,
        creator=owner,
        kind="customer",
        display_name="Customer Co",
        admin_email=owner.email,
        user_seats=50,
        device_seats=20,
    )
    assert (customer.user_seat_limit, customer.device_seat_limit) == (50, 20)
    assert seats.usage(pool, seats.USERS).available == 9  # nothing taken from the reseller
    services.change_customer_pool(customer=customer, actor=owner, user_seats=60, device_seats=0)
    customer.refresh_from_db()
    assert customer.user_seat_limit == 60


def test_only_resellers_create_customers(pool, owner):
    with pytest.raises(NotAllowed) as info:
        services.create_child_organization(
            parent=pool,
            creator=owner,
            kind="customer",
            display_name="Nope",
            admin_email=owner.email,
            user_seats=5,
            device_seats=0,
        )
    assert info.value.code == "not_a_reseller"


def test_customer_pool_changed_only_by_reseller_owners_or_staff(pool, owner):
    Organization.objects.filter(pk=pool.pk).update(is_reseller=True)
    pool.refresh_from_db()
    customer = services.create_child_organization(
        parent=pool,
        creator=owner,
        kind="customer",
        display_name="Customer Co",
        admin_email=owner.email,
        user_seats=5,
        device_seats=0,
    )
    reseller_admin = UserFactory()
    services.add_member(org=pool, user=reseller_admin, role="admin", actor=owner)
    with pytest.raises(NotAllowed):
        services.change_customer_pool(
            customer=customer, actor=reseller_admin, user_seats=9, device_seats=0
        )
    with pytest.raises(NotAllowed):
        services.change_customer_pool(
            customer=customer, actor=UserFactory(is_staff=True), user_seats=9, device_seats=0
        )
    staff = staff_with("change_seat_limits")
    services.change_customer_pool(customer=customer, actor=staff, user_seats=9, device_seats=0)
    customer.refresh_from_db()
    assert customer.user_seat_limit == 9


def test_members_cannot_create_children_or_devices(pool, owner):
    member = UserFactory()
    services.add_member(org=pool, user=member, actor=owner)
    with pytest.raises(NotAllowed):
        group(pool, member)
    with pytest.raises(NotAllowed):
        services.register_device(org=pool, actor=member, name="X", identifier="X")


def test_pending_org_cannot_have_children(pool, owner):
    Organization.objects.filter(pk=pool.pk).update(status=Organization.Status.PENDING)
    pool.refresh_from_db()
    with pytest.raises(NotAllowed) as info:
        group(pool, owner)
    assert info.value.code == "parent_inactive"


def test_child_admin_email_of_existing_user_makes_them_owner(pool, owner, monkeypatch):
    # Without the invitations app (no owner inviter registered) an account is made owner.
    monkeypatch.setattr("organizations.hooks._owner_inviter", None)
    someone = UserFactory(email="lead@example.com")
    child = services.create_child_organization(
        parent=pool,
        creator=owner,
        kind="group",
        display_name="Team Lead's group",
        admin_email="LEAD@example.com",
        user_seats=2,
        device_seats=0,
    )
    assert child.memberships.get().user == someone
    assert not child.memberships.filter(user=owner).exists()


def test_child_needs_a_seat_for_its_owner(pool, owner):
    with pytest.raises(ValidationError) as info:
        group(pool, owner, users=0)
    assert "user_seats" in info.value.message_dict


def test_device_identifier_unique_within_org(pool, owner):
    services.register_device(org=pool, actor=owner, name="A", identifier="SN-1")
    with pytest.raises(ValidationError) as info:
        services.register_device(org=pool, actor=owner, name="B", identifier="SN-1")
    assert info.value.message_dict
    other = OrganizationFactory()
    services.register_device(org=other, actor=other.created_by, name="C", identifier="SN-1")
    assert Device.objects.count() == 2


def test_removing_a_device_frees_its_seat(pool, owner):
    Organization.objects.filter(pk=pool.pk).update(device_seat_limit=1)
    pool.refresh_from_db()
    device = services.register_device(org=pool, actor=owner, name="A", identifier="1")
    services.remove_device(device=device, actor=owner)
    services.register_device(org=pool, actor=owner, name="B", identifier="2")
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "device.register",
        "device.remove",
    }


# --- races on PostgreSQL ------------------------------------------------------------------


def _race(workers, target):
    barrier = threading.Barrier(len(workers))
    outcomes = []
    lock = threading.Lock()

    def run(arg):
        try:
            barrier.wait()
            target(arg)
            result = "ok"
        except (SeatLimitExceeded, ValidationError) as exc:
            result = type(exc).__name__
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_allotments_and_devices_never_exceed_the_pool():
    owner = UserFactory()
    root = OrganizationFactory(created_by=owner, user_seat_limit=20, device_seat_limit=6)
    groups = [group(root, owner, users=1, devices=0, name=f"G{i}") for i in range(10)]

    # 6 device seats in the root: 10 threads each give one more device seat to a group
    # of their own while 10 threads register devices in the root itself.
    def raise_allotment(i):
        services.change_allotment(group=groups[i // 2], actor=owner, user_seats=1, device_seats=1)

    def register(i):
        services.register_device(org=root, actor=owner, name=f"D{i}", identifier=f"D-{i}")

    def work(i):
        (raise_allotment if i % 2 else register)(i)

    outcomes = _race(list(range(20)), work)
    assert len(outcomes) == 20
    usage = seats.usage(Organization.objects.get(pk=root.pk), seats.DEVICES)
    assert usage.used + usage.allotted <= 6
    assert usage.used + usage.allotted == 6  # every free seat was taken by someone
    assert outcomes.count("ok") == 6


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_for_the_last_seat_of_a_nested_group():
    owner = UserFactory()
    root = OrganizationFactory(created_by=owner, user_seat_limit=10, device_seat_limit=10)
    outer = group(root, owner, users=5, devices=3, name="Outer")
    inner = group(outer, owner, users=2, devices=2, name="Inner")
    # Inner: 1 user seat left (owner holds one). 10 threads add members to it while
    # 10 threads try to raise outer's sibling allotment out of the root.
    users = [UserFactory() for _ in range(10)]

    def add(i):
        services.add_member(org=inner, user=users[i], actor=owner)

    outcomes = _race(list(range(10)), add)
    assert outcomes.count("ok") == 1
    assert Membership.objects.filter(organization=inner).count() == 2
    assert seats.usage(inner, seats.USERS).available == 0

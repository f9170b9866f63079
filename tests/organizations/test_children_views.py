import pytest
from django.urls import reverse

from organizations import services
from organizations.models import AuditEvent, Device, Organization

from ..factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reseller(org):
    Organization.objects.filter(pk=org.pk).update(
        is_reseller=True, user_seat_limit=20, device_seat_limit=10
    )
    org.refresh_from_db()
    return org


@pytest.fixture
def child(reseller, owner):
    return services.create_child_organization(
        parent=reseller,
        creator=owner,
        kind="group",
        display_name="Support",
        name="support",
        admin_email=owner.email,
        user_seats=4,
        device_seats=2,
    )


def url(name, *args):
    return reverse(f"organizations:{name}", args=args)


ROLES = [("owner", 200), ("admin_user", 200), ("member_user", 403), ("outsider", 404)]


@pytest.mark.parametrize(("who", "status"), ROLES)
def test_children_pages_by_role(request, client_for, reseller, child, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("children", "acme")).status_code == status
    assert client.get(url("child_create", "acme")).status_code == status
    assert client.get(url("child_seats", "acme", "support")).status_code == status


@pytest.mark.parametrize(
    ("who", "list_status", "manage_status"),
    [
        ("owner", 200, 200),
        ("admin_user", 200, 200),
        ("member_user", 200, 403),
        ("outsider", 404, 404),
    ],
)
def test_device_pages_by_role(request, client_for, org, who, list_status, manage_status):
    client = client_for(request.getfixturevalue(who))
    device = services.register_device(org=org, actor=org.created_by, name="Phone", identifier="P")
    assert client.get(url("devices", "acme")).status_code == list_status
    assert client.get(url("device_register", "acme")).status_code == manage_status
    assert client.get(url("device_remove", "acme", device.pk)).status_code == manage_status
    assert client.post(url("device_remove", "acme", device.pk)).status_code in (
        302 if manage_status == 200 else manage_status,
    )


def test_create_group_through_the_form(client_for, reseller, owner):
    client = client_for(owner)
    response = client.post(
        url("child_create", "acme") + "?kind=group",
        {
            "kind": "group",
            "display_name": "Field Team",
            "name": "",
            "admin_email": owner.email,
            "user_seats": "5",
            "device_seats": "3",
        },
        follow=True,
    )
    child = Organization.objects.get(name="field-team")
    assert response.redirect_chain[-1][0] == url("children", "acme")
    assert "Group “Field Team” created." in response.content.decode()
    assert child.parent == reseller and child.kind == "group"
    rows = response.context["children"]
    assert [c.name for c in rows] == ["field-team"]
    users = response.context["seat_usage"]["users"]
    assert (users.used, users.allotted, users.available) == (1, 5, 14)


def test_create_group_beyond_parent_pool_shows_error(client_for, reseller, owner):
    response = client_for(owner).post(
        url("child_create", "acme"),
        {
            "kind": "group",
            "display_name": "Too Big",
            "admin_email": owner.email,
            "user_seats": "20",
            "device_seats": "0",
        },
    )
    assert response.status_code == 200
    assert "only 19 user seats left" in response.content.decode()
    assert not reseller.children.exists()


def test_customer_form_only_for_resellers(client_for, org, owner):
    data = {
        "kind": "customer",
        "display_name": "Client",
        "admin_email": owner.email,
        "user_seats": "5",
        "device_seats": "0",
    }
    response = client_for(owner).post(url("child_create", "acme"), data)
    assert "Only resellers create customer organizations." in response.content.decode()
    Organization.objects.filter(pk=org.pk).update(is_reseller=True)
    client_for(owner).post(url("child_create", "acme"), data)
    customer = Organization.objects.get(name="client")
    assert customer.kind == "customer" and customer.user_seat_limit == 5


def test_unknown_kind_is_404(client_for, org, owner):
    assert client_for(owner).get(url("child_create", "acme") + "?kind=standard").status_code == 404


def test_invite_members_now_needs_more_than_one_seat(client_for, reseller, owner):
    data = {
        "kind": "group",
        "display_name": "Solo",
        "admin_email": owner.email,
        "user_seats": "1",
        "device_seats": "0",
        "invite_members": "on",
    }
    response = client_for(owner).post(url("child_create", "acme"), data)
    assert response.context["form"].errors["invite_members"]
    assert not reseller.children.exists()
    page = client_for(owner).get(url("child_create", "acme")).content.decode()
    assert 'data-enabled-when-above="id_user_seats:1"' in page


def test_change_allotment_through_the_form(client_for, reseller, child, admin_user):
    client = client_for(admin_user)
    response = client.post(
        url("child_seats", "acme", "support"), {"user_seats": "6", "device_seats": "2"}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.user_seat_limit == 6
    response = client.post(
        url("child_seats", "acme", "support"), {"user_seats": "0", "device_seats": "2"}
    )
    assert "already uses 1 user seats" in response.content.decode()


def test_customer_seats_form_is_for_reseller_owners(client_for, reseller, owner, admin_user):
    services.create_child_organization(
        parent=reseller,
        creator=owner,
        kind="customer",
        display_name="Client",
        name="client",
        admin_email=owner.email,
        user_seats=5,
        device_seats=0,
    )
    page = client_for(admin_user).get(url("child_seats", "acme", "client"))
    assert page.context["may_change"] is False
    response = client_for(admin_user).post(
        url("child_seats", "acme", "client"), {"user_seats": "50", "device_seats": "0"}
    )
    assert response.status_code == 403
    client_for(owner).post(
        url("child_seats", "acme", "client"), {"user_seats": "50", "device_seats": "0"}
    )
    assert Organization.objects.get(name="client").user_seat_limit == 50


def test_parent_admins_manage_children_but_child_members_get_nothing_in_parent(
    client_for, reseller, child, admin_user
):
    # The parent's admin is no member of the child, yet opens and edits it.
    client = client_for(admin_user)
    response = client.get(url("dashboard", "support"))
    assert response.status_code == 200
    assert response.context["membership"].role == "admin"
    assert client.get(url("settings", "support")).status_code == 200
    # A member of the child only is a stranger to the parent.
    child_member = MembershipFactory(organization=child).user
    client = client_for(child_member)
    assert client.get(url("dashboard", "support")).status_code == 200
    assert client.get(url("dashboard", "acme")).status_code == 404
    assert client.get(url("children", "acme")).status_code == 404


def test_nested_groups_shown_as_a_tree(client_for, reseller, child, owner):
    services.create_child_organization(
        parent=child,
        creator=owner,
        kind="group",
        display_name="Night shift",
        name="night",
        admin_email=owner.email,
        user_seats=2,
        device_seats=0,
    )
    client = client_for(owner)
    response = client.get(url("children", "acme"))
    assert [c.name for c in response.context["children"]] == ["support"]
    support = response.context["children"][0]
    assert support.groups_user_allotment == 2 and support.member_count == 1
    assert support.child_count == 1
    # The subtree opens on demand, under a breadcrumb back to the top.
    below = client.get(url("children", "acme"), {"under": "support"})
    assert [c.name for c in below.context["children"]] == ["night"]
    assert 'data-testid="child-path"' in below.content.decode()
    # The grandchild's seats are managed through its own parent's page.
    assert url("child_seats", "support", "night") in below.content.decode()
    # A search finds it wherever it sits, and says where.
    found = client.get(url("children", "acme"), {"q": "night"})
    assert [c.name for c in found.context["children"]] == ["night"]
    assert found.context["children"][0].parent_name == "support"
    assert (
        'data-testid="child-no-match"'
        in client.get(url("children", "acme"), {"q": "<b>zzz</b>"}).content.decode()
    )


def test_a_subtree_outside_the_org_is_404(client_for, reseller, child, owner, outsider):
    from ..factories import OrganizationFactory

    other = OrganizationFactory(created_by=outsider, name="elsewhere")
    client = client_for(owner)
    for under in ("elsewhere", "acme", "nope"):
        assert client.get(url("children", "acme"), {"under": under}).status_code == 404
    assert other.pk


def test_register_and_remove_device_through_the_views(client_for, org, owner):
    client = client_for(owner)
    response = client.post(
        url("device_register", "acme"), {"name": "Kiosk", "identifier": "K-1"}, follow=True
    )
    assert "Device “Kiosk” registered." in response.content.decode()
    device = Device.objects.get()
    response = client.post(url("device_register", "acme"), {"name": "Kiosk 2", "identifier": "K-1"})
    assert response.status_code == 200 and Device.objects.count() == 1
    assert response.context["form"].errors
    confirm = client.get(url("device_remove", "acme", device.pk))
    assert "Remove “Kiosk”?" in confirm.content.decode()
    client.post(url("device_remove", "acme", device.pk))
    assert not Device.objects.exists()
    assert AuditEvent.objects.filter(action="device.remove", target="K-1").exists()


def test_device_seat_limit_refusal_is_clear(client_for, org, owner):
    Organization.objects.filter(pk=org.pk).update(device_seat_limit=0)
    response = client_for(owner).post(
        url("device_register", "acme"), {"name": "Kiosk", "identifier": "K-1"}
    )
    assert "No device seat is left in Acme Corporation" in response.content.decode()


def test_children_and_device_lists_stay_flat(
    client_for, reseller, owner, django_assert_max_num_queries
):
    parent = reseller
    for i, user_seats in enumerate([10, 8, 6, 1, 1, 1, 1, 1]):
        g = services.create_child_organization(
            parent=parent,
            creator=owner,
            kind="group",
            display_name=f"Level {i}",
            admin_email=owner.email,
            user_seats=user_seats,
            device_seats=0,
        )
        if i < 3:
            parent = g
    for i in range(40):
        Device.objects.create(organization=reseller, name=f"D{i}", identifier=f"D{i}")
    client = client_for(owner)
    with django_assert_max_num_queries(12) as top:
        response = client.get(url("children", "acme"))
    assert [c.name for c in response.context["children"]] == ["level-0"]
    # Deeper in the tree, the page costs no more: one query for the breadcrumb's path.
    with django_assert_max_num_queries(len(top) + 2):
        deep = client.get(url("children", "acme"), {"under": "level-2"})
    assert len(deep.context["children"]) == 5
    assert [o.name for o in deep.context["path"]] == ["level-0", "level-1", "level-2"]
    with django_assert_max_num_queries(len(top) + 1):
        searched = client.get(url("children", "acme"), {"q": "level"})
    assert searched.context["paginator"].count == 8
    with django_assert_max_num_queries(10):
        response = client.get(url("devices", "acme"))
    assert len(response.context["devices"]) == 25


def test_standard_org_name_is_not_a_child(client_for, org, owner):
    other = OrganizationFactory(name="elsewhere", created_by=UserFactory())
    assert client_for(owner).get(url("child_seats", "acme", other.name)).status_code == 404


def test_parent_owner_edits_and_deletes_a_child_from_the_tree(client_for, reseller, child, owner):
    other_owner = MembershipFactory(organization=reseller, role="owner").user
    client = client_for(other_owner)
    tree = client.get(url("children", "acme")).content.decode()
    assert url("settings", "support") in tree and url("delete", "support") in tree
    services.delete_organization(org=child, actor=other_owner, confirm_name="support")
    assert not Organization.objects.filter(name="support").exists()


def test_parent_admin_cannot_delete_a_child(client_for, reseller, child, admin_user):
    tree = client_for(admin_user).get(url("children", "acme")).content.decode()
    assert url("delete", "support") not in tree
    from organizations.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.delete_organization(org=child, actor=admin_user, confirm_name="support")


def test_a_wide_tree_is_paged_with_a_flat_query_count(
    client_for, reseller, owner, django_assert_max_num_queries
):
    Organization.objects.bulk_create(
        Organization(
            name=f"wide-{i:03d}",
            display_name=f"Wide {i:03d}",
            kind="group",
            parent=reseller,
            created_by=owner,
        )
        for i in range(120)
    )
    client = client_for(owner)
    with django_assert_max_num_queries(12):
        first = client.get(url("children", "acme"))
    assert len(first.context["children"]) == 50
    assert first.context["paginator"].num_pages == 3
    last = client.get(url("children", "acme"), {"page": 3})
    assert len(last.context["children"]) == 20
    assert abs(len(first.content) - len(client.get(url("children", "acme")).content)) < 100

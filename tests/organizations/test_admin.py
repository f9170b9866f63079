import pytest
from django.urls import reverse

from organizations.models import AuditEvent, GovernanceSettings, Organization

from ..factories import OrganizationFactory, UserFactory, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    return client


def test_admin_lists_models(staff_client, org):
    for model in ("organization", "membership", "team", "auditevent"):
        response = staff_client.get(reverse(f"admin:organizations_{model}_changelist"))
        assert response.status_code == 200, model
    assert (
        staff_client.get(reverse("admin:organizations_governancesettings_change")).status_code
        == 200
    )


def test_audit_events_are_read_only_even_for_superusers(staff_client, org):
    event = AuditEvent.objects.get(organization=org)
    assert staff_client.get(reverse("admin:organizations_auditevent_add")).status_code == 403
    assert (
        staff_client.get(
            reverse("admin:organizations_auditevent_delete", args=[event.pk])
        ).status_code
        == 403
    )
    response = staff_client.post(
        reverse("admin:organizations_auditevent_change", args=[event.pk]), {"action": "forged"}
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "org.create"
    changelist = staff_client.get(reverse("admin:organizations_auditevent_changelist"))
    assert b"org.create" in changelist.content
    assert b"delete_selected" not in changelist.content


def test_admin_org_change_goes_through_the_service(staff_client, org):
    url = reverse("admin:organizations_organization_change", args=[org.pk])
    response = staff_client.post(
        url,
        {
            "display_name": "Acme (edited by staff)",
            "name": "acme",
            "org_type": "",
            "primary_email": "",
            "logo_url": "",
            "primary_color": "",
            "page_background_color": "",
            "metadata": "{}",
            "user_seat_limit": "100",
            "device_seat_limit": "20",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org.refresh_from_db()
    assert org.display_name == "Acme (edited by staff)"
    assert org.user_seat_limit == 100 and org.device_seat_limit == 20
    actions = set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
    assert {"org.edit", "org.seat_limits"} <= actions


def test_governance_default_seat_limits_apply_to_new_orgs(staff_client):
    response = staff_client.post(
        reverse("admin:organizations_governancesettings_change"),
        {
            "allow_self_registration": "on",
            "who_may_create": "any_verified",
            "invitation_lifetime_days": "7",
            "resend_min_interval_seconds": "60",
            "resend_max_per_day": "5",
            "default_user_seat_limit": "3",
            "default_device_seat_limit": "4",
            "billing_grace_period_days": "7",
        },
    )
    assert response.status_code == 302
    assert GovernanceSettings.get_solo().default_user_seat_limit == 3
    org = OrganizationFactory()
    assert (org.user_seat_limit, org.device_seat_limit) == (3, 4)


def test_non_staff_cannot_reach_admin(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def _change_data(org, **overrides):
    data = {
        "display_name": org.display_name,
        "name": org.name,
        "org_type": org.org_type,
        "primary_email": org.primary_email,
        "logo_url": org.logo_url,
        "primary_color": org.primary_color,
        "page_background_color": org.page_background_color,
        "metadata": "{}",
        "user_seat_limit": str(org.user_seat_limit),
        "device_seat_limit": str(org.device_seat_limit),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_staff_mark_resellers_in_admin(staff_client, org):
    url = reverse("admin:organizations_organization_change", args=[org.pk])
    response = staff_client.post(url, _change_data(org, is_reseller="on"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.is_reseller
    assert AuditEvent.objects.filter(organization=org, action="org.reseller_on").exists()


def test_admin_group_allotment_follows_pool_rules(staff_client, org, owner):
    from organizations import services

    Organization.objects.filter(pk=org.pk).update(user_seat_limit=5, device_seat_limit=0)
    org.refresh_from_db()
    group = services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Group",
        admin_email=owner.email,
        user_seats=2,
        device_seats=0,
    )
    url = reverse("admin:organizations_organization_change", args=[group.pk])
    response = staff_client.post(url, _change_data(group, user_seat_limit="9"))
    assert response.status_code == 200
    assert "only 2 user seats left" in response.content.decode()
    group.refresh_from_db()
    assert group.user_seat_limit == 2
    response = staff_client.post(url, _change_data(group, user_seat_limit="4"))
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.user_seat_limit == 4


def test_staff_change_only_what_their_permissions_allow(client, org):
    """Seat limits and the reseller flag are read-only without their permissions."""
    editor = staff_with("view_organization", "change_organization")
    client.force_login(editor)
    url = reverse("admin:organizations_organization_change", args=[org.pk])
    page = client.get(url).content.decode()
    assert 'name="display_name"' in page
    assert 'name="user_seat_limit"' not in page and 'name="is_reseller"' not in page
    limits = (org.user_seat_limit, org.device_seat_limit)
    response = client.post(
        url, _change_data(org, display_name="Edited", user_seat_limit="999", is_reseller="on")
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.display_name == "Edited"
    assert (org.user_seat_limit, org.device_seat_limit) == limits and not org.is_reseller
    assert not AuditEvent.objects.filter(
        organization=org, action__in=["org.seat_limits", "org.reseller_on"]
    ).exists()


def test_staff_with_the_seat_and_reseller_permissions_change_them(client, org):
    client.force_login(
        staff_with(
            "view_organization", "change_organization", "change_seat_limits", "change_reseller"
        )
    )
    url = reverse("admin:organizations_organization_change", args=[org.pk])
    response = client.post(url, _change_data(org, user_seat_limit="77", is_reseller="on"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.user_seat_limit == 77 and org.is_reseller

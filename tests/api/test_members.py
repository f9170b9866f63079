"""Members and member roles over the API: Auth0's shapes, the portal's rules."""

import pytest

from organizations.models import AuditEvent, Membership

from ..factories import MembershipFactory, UserFactory
from .conftest import as_json

pytestmark = pytest.mark.django_db

Role = Membership.Role


def members_url(org):
    return f"/api/v2/organizations/{org.public_id}/members"


def roles_url(org, user):
    return f"{members_url(org)}/usr_{user.pk}/roles"


def test_list_members_with_roles(platform_api, org, owner, admin_user, member_user):
    body = as_json(platform_api.get(members_url(org)))
    by_email = {item["email"]: item for item in body}
    assert set(by_email) == {owner.email, admin_user.email, member_user.email}
    assert by_email[admin_user.email]["user_id"] == f"usr_{admin_user.pk}"
    assert by_email[admin_user.email]["roles"] == [
        {
            "id": "rol_admin",
            "name": "Admin",
            "description": "Manages members, invitations, teams and settings",
        }
    ]
    totals = as_json(platform_api.get(members_url(org), {"include_totals": "true", "per_page": 2}))
    assert totals["total"] == 3 and len(totals["members"]) == 2


def test_member_checkpoints_walk_every_member(platform_api, org):
    for _ in range(4):
        MembershipFactory(organization=org)
    seen, start = [], ""
    while True:
        chunk = as_json(platform_api.get(members_url(org), {"from": start, "take": 2}))
        seen += [item["user_id"] for item in chunk["members"]]
        if "next" not in chunk:
            break
        start = chunk["next"]
    assert len(seen) == len(set(seen)) == org.memberships.count()
    bad = platform_api.get(members_url(org), {"from": "usr_x"})
    assert bad.status_code == 400 and as_json(bad)["errorCode"] == "invalid_query_string"


def test_add_members_by_user_id_through_the_service(platform_api, org):
    newcomer = UserFactory()
    response = platform_api.post(
        members_url(org), {"members": [f"usr_{newcomer.pk}"]}, format="json"
    )
    assert response.status_code == 204, response.content
    membership = org.memberships.get(user=newcomer)
    assert membership.role == Role.MEMBER
    assert membership.teams.filter(is_default=True).exists()
    event = AuditEvent.objects.get(organization=org, action="member.add")
    assert event.actor_label.startswith("API client")


def test_adding_an_unknown_user_is_404_and_adds_nobody(platform_api, org):
    newcomer = UserFactory()
    response = platform_api.post(
        members_url(org), {"members": [f"usr_{newcomer.pk}", "usr_999999"]}, format="json"
    )
    assert response.status_code == 404
    assert as_json(response)["errorCode"] == "inexistent_user"
    assert not org.memberships.filter(user=newcomer).exists()


def test_adding_past_the_seat_limit_is_409(platform_api, org):
    org.user_seat_limit = org.memberships.count()
    org.save()
    newcomer = UserFactory()
    response = platform_api.post(
        members_url(org), {"members": [f"usr_{newcomer.pk}"]}, format="json"
    )
    assert response.status_code == 409
    assert as_json(response)["errorCode"] == "seat_limit_exceeded"


def test_remove_members(platform_api, org, member_user):
    response = platform_api.delete(
        members_url(org), {"members": [f"usr_{member_user.pk}"]}, format="json"
    )
    assert response.status_code == 204
    assert not org.memberships.filter(user=member_user).exists()
    assert AuditEvent.objects.filter(organization=org, action="member.remove").exists()


def test_the_initial_owner_cannot_be_removed(platform_api, org, owner):
    response = platform_api.delete(
        members_url(org), {"members": [f"usr_{owner.pk}"]}, format="json"
    )
    assert response.status_code == 403
    assert as_json(response)["errorCode"] == "initial_owner"
    assert org.memberships.filter(user=owner).exists()


@pytest.mark.parametrize("body", [{}, {"members": []}, {"members": "usr_1"}, {"members": [1]}])
def test_bad_member_bodies_are_400(platform_api, org, body):
    response = platform_api.post(members_url(org), body, format="json")
    assert response.status_code == 400
    assert as_json(response)["errorCode"] == "invalid_body"


def test_roles_list_assign_and_remove(platform_api, org, member_user):
    assert as_json(platform_api.get(roles_url(org, member_user)))[0]["id"] == "rol_member"
    response = platform_api.post(
        roles_url(org, member_user), {"roles": ["rol_admin"]}, format="json"
    )
    assert response.status_code == 204
    assert org.memberships.get(user=member_user).role == Role.ADMIN
    assert AuditEvent.objects.filter(organization=org, action="member.role_change").exists()
    response = platform_api.delete(
        roles_url(org, member_user), {"roles": ["rol_admin"]}, format="json"
    )
    assert response.status_code == 204
    assert org.memberships.get(user=member_user).role == Role.MEMBER


def test_role_rules_hold_as_in_the_portal(platform_api, org, owner, member_user):
    two = platform_api.post(
        roles_url(org, member_user), {"roles": ["rol_admin", "rol_owner"]}, format="json"
    )
    assert two.status_code == 400
    unknown = platform_api.post(roles_url(org, member_user), {"roles": ["rol_x"]}, format="json")
    assert unknown.status_code == 404 and as_json(unknown)["errorCode"] == "inexistent_role"
    initial = platform_api.post(roles_url(org, owner), {"roles": ["rol_member"]}, format="json")
    assert initial.status_code == 403 and as_json(initial)["errorCode"] == "initial_owner"
    plain = platform_api.delete(
        roles_url(org, member_user), {"roles": ["rol_member"]}, format="json"
    )
    assert plain.status_code == 400


def test_roles_of_a_non_member_are_404(platform_api, org, outsider):
    response = platform_api.get(roles_url(org, outsider))
    assert response.status_code == 404
    assert as_json(response)["errorCode"] == "inexistent_member"
    assert platform_api.get(f"{members_url(org)}/nobody/roles").status_code == 404


def test_an_org_client_acts_as_an_admin_owners_stay_out_of_reach(
    api, make_org_client, org, member_user
):
    http = api(make_org_client(org))
    promote = http.post(roles_url(org, member_user), {"roles": ["rol_owner"]}, format="json")
    assert promote.status_code == 403
    assert org.memberships.get(user=member_user).role == Role.MEMBER
    assert (
        http.post(roles_url(org, member_user), {"roles": ["rol_admin"]}, format="json").status_code
        == 204
    )

"""Children and seats, and the reach of an organization's client: its org and the
org's descendants; another org or its parent answers 404 and changes nothing."""

import pytest

from organizations.models import Organization

from .conftest import as_json

pytestmark = pytest.mark.django_db

ORGS = "/api/v2/organizations"


def test_children_list_and_create_a_group(platform_api, tree):
    org = tree["org"]
    listed = as_json(platform_api.get(f"{ORGS}/{org.public_id}/children"))
    assert [item["name"] for item in listed] == ["acme-group"]
    assert listed[0]["kind"] == "group" and listed[0]["parent_id"] == org.public_id
    response = platform_api.post(
        f"{ORGS}/{org.public_id}/children",
        {
            "kind": "group",
            "display_name": "Acme Ops",
            "admin_email": "ops-lead@example.com",
            "user_seats": 3,
            "device_seats": 0,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    child = Organization.objects.get(public_id=as_json(response)["id"])
    assert child.parent == org and child.user_seat_limit == 3
    assert child.invitations.filter(email="ops-lead@example.com", role="owner").exists()


def test_a_group_larger_than_what_is_left_is_409(platform_api, tree):
    org = tree["org"]
    response = platform_api.post(
        f"{ORGS}/{org.public_id}/children",
        {
            "kind": "group",
            "display_name": "Too big",
            "admin_email": "x@example.com",
            "user_seats": 10_000,
            "device_seats": 0,
        },
        format="json",
    )
    assert response.status_code == 409
    assert as_json(response)["errorCode"] == "seat_limit_exceeded"


def test_seats(platform_api, tree):
    org = tree["org"]
    body = as_json(platform_api.get(f"{ORGS}/{org.public_id}/seats"))
    assert body["users"] == {
        "limit": 50,
        "used": org.memberships.count(),
        "allotted": 5,
        "available": 50 - org.memberships.count() - 5,
    }
    assert set(body["devices"]) == {"limit", "used", "allotted", "available"}


def test_an_org_client_sees_its_org_and_descendants_only(api, make_org_client, tree):
    http = api(make_org_client(tree["group"]))
    names = [item["name"] for item in as_json(http.get(ORGS))]
    assert names == ["acme-group", "acme-sub"]
    assert http.get(f"{ORGS}/{tree['subgroup'].public_id}").status_code == 200


@pytest.mark.parametrize("target", ["org", "foreign"])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"display_name": "Hacked"}),
        ("delete", "", None),
        ("get", "/members", None),
        ("post", "/members", {"members": ["usr_1"]}),
        ("delete", "/members", {"members": ["usr_1"]}),
        ("get", "/invitations", None),
        ("post", "/invitations", {"inviter": {"name": "x"}, "invitee": {"email": "a@b.co"}}),
        ("get", "/children", None),
        (
            "post",
            "/children",
            {
                "kind": "group",
                "display_name": "X",
                "admin_email": "a@b.co",
                "user_seats": 1,
                "device_seats": 0,
            },
        ),
        ("get", "/seats", None),
    ],
)
def test_an_org_client_gets_404_for_its_parent_and_other_orgs(
    api, make_org_client, tree, target, method, suffix, body
):
    """The group's client: its parent (`org`) and a stranger's org are out of reach."""
    http = api(make_org_client(tree["group"]))
    victim = tree[target]
    before = (
        Organization.objects.count(),
        victim.memberships.count(),
        victim.invitations.count(),
        Organization.objects.get(pk=victim.pk).display_name,
    )
    call = getattr(http, method)
    response = call(f"{ORGS}/{victim.public_id}{suffix}", body, format="json")
    assert response.status_code == 404, (response.status_code, response.content)
    assert as_json(response)["errorCode"] == "inexistent_organization"
    after = (
        Organization.objects.count(),
        victim.memberships.count(),
        victim.invitations.count(),
        Organization.objects.get(pk=victim.pk).display_name,
    )
    assert after == before


def test_get_by_name_out_of_reach_is_404(api, make_org_client, tree):
    http = api(make_org_client(tree["group"]))
    assert http.get(f"{ORGS}/name/{tree['org'].name}").status_code == 404
    assert http.get(f"{ORGS}/name/{tree['group'].name}").status_code == 200


def test_an_org_client_cannot_create_top_level_orgs(api, make_org_client, org):
    http = api(make_org_client(org))
    response = http.post(ORGS, {"name": "rogue"}, format="json")
    assert response.status_code == 403
    assert not Organization.objects.filter(name="rogue").exists()


def test_an_org_client_cannot_delete_as_it_acts_as_an_admin(api, make_org_client, tree):
    http = api(make_org_client(tree["org"]))
    response = http.delete(f"{ORGS}/{tree['group'].public_id}")
    assert response.status_code == 403
    assert Organization.objects.filter(pk=tree["group"].pk).exists()


def test_a_suspended_org_is_read_only_for_clients(platform_api, org):
    Organization.objects.filter(pk=org.pk).update(
        status=Organization.Status.SUSPENDED, suspension_reason="Unpaid."
    )
    assert platform_api.get(f"{ORGS}/{org.public_id}").status_code == 200
    response = platform_api.patch(f"{ORGS}/{org.public_id}", {"display_name": "X"}, format="json")
    assert response.status_code == 403
    assert as_json(response)["errorCode"] == "org_suspended"

"""The SCIM API through the test client: Users, Groups, discovery, errors, isolation."""

import pytest

from organizations import services as org_services
from organizations.models import AuditEvent, Membership, Organization, Team
from scim import services
from scim.models import ScimToken, ScimUser
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def new_user(scim, email="jane@wayne.test", **extra):
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "active": True,
        **extra,
    }
    response = scim.post("Users", body)
    assert response.status_code == 201, response.content
    return response.json()


def assert_scim_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    return body


def test_create_makes_a_member_taking_a_seat_and_audits_the_token(scim, org):
    user = new_user(scim, externalId="okta-1")
    assert user["userName"] == "jane@wayne.test"
    assert user["active"] is True
    assert user["externalId"] == "okta-1"
    assert user["name"] == {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"}
    membership = Membership.objects.get(organization=org, user__email="jane@wayne.test")
    assert membership.role == Membership.Role.MEMBER
    event = AuditEvent.objects.get(organization=org, action="member.add")
    assert event.actor is None
    assert event.actor_label.startswith("SCIM token scim_")
    assert event.detail["via"] == "scim"


def test_create_finds_an_existing_account(scim, org):
    existing = UserFactory(email="known@wayne.test", first_name="Known")
    user = new_user(scim, "KNOWN@wayne.test")
    assert ScimUser.objects.get(scim_id=user["id"]).user == existing
    assert org.memberships.filter(user=existing).exists()


def test_create_takes_over_a_member_added_by_hand(scim, org, owner):
    person = UserFactory(email="hand@wayne.test")
    org_services.add_member(org=org, user=person, actor=owner)
    user = new_user(scim, "hand@wayne.test")
    assert user["active"] is True
    assert org.memberships.filter(user=person).count() == 1


def test_create_twice_is_a_uniqueness_error(scim):
    new_user(scim)
    body = assert_scim_error(scim.post("Users", {"userName": "jane@wayne.test"}), 409)
    assert body["scimType"] == "uniqueness"


def test_user_name_must_be_an_email(scim):
    body = assert_scim_error(scim.post("Users", {"userName": "jdoe"}), 400)
    assert body["scimType"] == "invalidValue"
    assert_scim_error(scim.post("Users", {"name": {}}), 400)


def test_seat_limit_is_a_scim_error_with_a_clear_detail(scim, org):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)  # the owner has one
    new_user(scim, "one@wayne.test")
    body = assert_scim_error(scim.post("Users", {"userName": "two@wayne.test"}), 409)
    assert "No seat left" in body["detail"]
    assert "seat" in body["detail"].lower()
    assert not ScimUser.objects.filter(user__email="two@wayne.test").exists()


def test_get_list_filter_and_paginate(scim):
    ids = [new_user(scim, f"user{i}@wayne.test")["id"] for i in range(5)]
    assert scim.get(f"Users/{ids[2]}").json()["userName"] == "user2@wayne.test"
    page = scim.get("Users", startIndex=2, count=2).json()
    assert page["totalResults"] == 5
    assert page["startIndex"] == 2
    assert page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == ids[1:3]
    found = scim.get("Users", filter='userName eq "USER3@wayne.test"').json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == ids[3]
    assert scim.get("Users", filter='userName eq "nobody@wayne.test"').json()["totalResults"] == 0
    assert_scim_error(scim.get("Users/not-a-uuid"), 404)
    body = assert_scim_error(scim.get("Users", filter='userName co "x"'), 400)
    assert body["scimType"] == "invalidFilter"
    assert_scim_error(scim.get("Users", startIndex="x"), 400)


def test_put_and_patch_change_the_name(scim, org):
    user = new_user(scim)
    changed = scim.put(
        f"Users/{user['id']}",
        {"userName": "jane@wayne.test", "name": {"givenName": "Janet", "familyName": "Doe"}},
    ).json()
    assert changed["name"]["givenName"] == "Janet"
    patched = scim.patch(
        f"Users/{user['id']}",
        [{"op": "replace", "value": {"name": {"familyName": "Roe"}}}],
    ).json()
    assert patched["name"] == {"givenName": "Janet", "familyName": "Roe", "formatted": "Janet Roe"}
    assert AuditEvent.objects.filter(organization=org, action="member.edit").count() == 2
    # What Entra ID sends on a routine update: attributes the portal derives or does not
    # keep are left alone.
    routine = scim.patch(
        f"Users/{user['id']}",
        [
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "x@wayne.test"},
            {"op": "Replace", "path": "displayName", "value": "Janet Roe"},
            {"op": "Add", "path": "title", "value": "Engineer"},
            {
                "op": "Add",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "value": "R&D",
            },
            {"op": "Replace", "path": "externalId", "value": "entra-7"},
        ],
    ).json()
    assert routine["userName"] == "jane@wayne.test"
    assert routine["externalId"] == "entra-7"
    body = assert_scim_error(scim.put(f"Users/{user['id']}", {"userName": "other@wayne.test"}), 400)
    assert body["scimType"] == "mutability"


def test_deactivate_removes_the_member_at_once_and_reactivate_brings_them_back(scim, org, client):
    user = new_user(scim)
    person = ScimUser.objects.get(scim_id=user["id"]).user
    browser = client.__class__()
    browser.force_login(person)
    dashboard = f"/o/{org.name}/"
    assert browser.get(dashboard).status_code == 200

    # Azure sends the boolean as a string, with a capitalised op.
    response = scim.patch(
        f"Users/{user['id']}", [{"op": "Replace", "path": "active", "value": "False"}]
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert not org.memberships.filter(user=person).exists()
    # The session that was open is refused on its very next request.
    assert browser.get(dashboard).status_code == 404
    removal = AuditEvent.objects.get(organization=org, action="member.remove")
    assert removal.actor_label.startswith("SCIM token")

    assert scim.get(f"Users/{user['id']}").json()["active"] is False
    reactivated = scim.patch(f"Users/{user['id']}", [{"op": "replace", "value": {"active": True}}])
    assert reactivated.json()["active"] is True
    assert browser.get(dashboard).status_code == 200


def test_delete_removes_the_member_and_the_resource(scim, org):
    user = new_user(scim)
    assert scim.delete(f"Users/{user['id']}").status_code == 204
    assert not org.memberships.filter(user__email="jane@wayne.test").exists()
    assert_scim_error(scim.get(f"Users/{user['id']}"), 404)
    assert AuditEvent.objects.filter(organization=org, action="scim.user_delete").exists()


def test_the_initial_owner_cannot_be_deprovisioned(scim, org, owner):
    user = new_user(scim, owner.email)
    body = assert_scim_error(
        scim.patch(f"Users/{user['id']}", [{"op": "replace", "path": "active", "value": False}]),
        403,
    )
    assert "initial owner" in body["detail"]
    assert org.memberships.filter(user=owner).exists()


def test_groups_are_teams(scim, org):
    jane, john = new_user(scim, "jane@wayne.test"), new_user(scim, "john@wayne.test")
    created = scim.post(
        "Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering",
            "members": [{"value": jane["id"]}],
        },
    )
    assert created.status_code == 201, created.content
    group = created.json()
    team = Team.objects.get(organization=org, name="Engineering")
    assert group["id"] == str(team.pk)
    assert [m["value"] for m in group["members"]] == [jane["id"]]

    found = scim.get("Groups", filter='displayName eq "engineering"').json()
    assert [g["id"] for g in found["Resources"]] == [group["id"]]

    added = scim.patch(
        f"Groups/{group['id']}",
        [{"op": "add", "path": "members", "value": [{"value": john["id"]}]}],
    ).json()
    assert {m["value"] for m in added["members"]} == {jane["id"], john["id"]}
    removed = scim.patch(
        f"Groups/{group['id']}",
        [{"op": "remove", "path": f'members[value eq "{jane["id"]}"]'}],
    ).json()
    assert [m["value"] for m in removed["members"]] == [john["id"]]
    renamed = scim.patch(
        f"Groups/{group['id']}", [{"op": "replace", "value": {"displayName": "Platform"}}]
    ).json()
    assert renamed["displayName"] == "Platform"
    assert AuditEvent.objects.filter(organization=org, action="team.member_add").exists()

    assert scim.delete(f"Groups/{group['id']}").status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()
    assert_scim_error(scim.get(f"Groups/{group['id']}"), 404)


def test_group_errors(scim, org):
    assert_scim_error(scim.post("Groups", {"displayName": ""}), 400)
    body = assert_scim_error(
        scim.post("Groups", {"displayName": "X", "members": [{"value": "nobody"}]}), 400
    )
    assert "nobody" in body["detail"]
    assert not Team.objects.filter(organization=org, name="X").exists()  # all or nothing
    default = org.teams.get(is_default=True)
    assert_scim_error(scim.delete(f"Groups/{default.pk}"), 403)
    body = assert_scim_error(scim.post("Groups", {"displayName": default.name}), 409)
    assert body["scimType"] == "uniqueness"


def test_discovery_documents(scim):
    config = scim.get("ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.get("ResourceTypes").json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    assert scim.get("ResourceTypes/User").json()["endpoint"] == "/Users"
    schemas = scim.get("Schemas").json()
    user_schema = "urn:ietf:params:scim:schemas:core:2.0:User"
    assert user_schema in {s["id"] for s in schemas["Resources"]}
    assert scim.get(f"Schemas/{user_schema}").json()["name"] == "User"
    assert_scim_error(scim.get("Schemas/urn:nope"), 404)


def test_tokens_of_other_orgs_revoked_or_missing_get_401(scim, client, org, owner):
    other = OrganizationFactory()
    _t, other_token = services.create_token(org=other, actor=other.created_by)
    for token in (other_token, "scim_" + "x" * 43, "", "Basic abc"):
        response = scim.call("get", "Users", token=token or " ")
        body = assert_scim_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "organization" in body["detail"]
    # An org that does not exist answers exactly the same.
    missing = client.get(
        "/scim/v2/no-such-org/Users", headers={"Authorization": f"Bearer {scim.token}"}
    )
    assert missing.status_code == 401
    assert missing.json() == scim.call("get", "Users", token=other_token).json()
    # A session is no credential here.
    client.force_login(owner)
    assert client.get(f"/scim/v2/{org.name}/Users").status_code == 401


def test_a_rotated_or_revoked_token_gets_401(scim, org, owner):
    live = ScimToken.objects.get(organization=org, revoked_at__isnull=True)
    new, raw = services.rotate_token(org=org, actor=owner, token=live)
    assert_scim_error(scim.get("Users"), 401)
    assert scim.call("get", "Users", token=raw).status_code == 200
    services.revoke_token(org=org, actor=owner, token=new)
    assert_scim_error(scim.call("get", "Users", token=raw), 401)


def test_last_use_is_recorded(scim, org):
    assert ScimToken.objects.get(organization=org).last_used_at is None
    scim.get("Users")
    assert ScimToken.objects.get(organization=org).last_used_at is not None


def test_bad_input_never_500s(scim):
    user = new_user(scim)
    for response in (
        scim.client.post(
            scim.base + "Users",
            data="{not json",
            content_type="application/scim+json",
            headers={"Authorization": f"Bearer {scim.token}"},
        ),
        scim.post("Users", {"userName": ["a"]}),
        scim.post("Users", {"userName": "a@wayne.test", "name": "x"}),
        scim.post("Users", {"userName": "b@wayne.test", "active": "maybe"}),
        scim.patch(f"Users/{user['id']}", [{"op": "move"}]),
        scim.patch(f"Users/{user['id']}", [{"op": "replace", "path": "password", "value": "x"}]),
        scim.patch(f"Users/{user['id']}", "nope"),
        scim.call("patch", f"Users/{user['id']}", {"Operations": []}),
        scim.post("Groups", {"displayName": "Y", "members": "z"}),
        scim.get("Groups", filter='displayName eq "unterminated'),
    ):
        assert_scim_error(response, 400)
    assert_scim_error(scim.call("options", "Users"), 405)
    assert_scim_error(scim.get("Groups/99999999999999999999999"), 404)
    assert scim.get("Groups", filter='id eq "99999999999999999999999"').json()["totalResults"] == 0


def test_csrf_is_not_needed(org, token):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/scim/v2/{org.name}/Users",
        data='{"userName": "csrf@wayne.test"}',
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_list_endpoints_keep_flat_query_counts(scim, org, django_assert_max_num_queries):
    """However many users and teams: the token, the count, the page (and the teams'
    members with their SCIM ids)."""
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=50)
    users = [new_user(scim, f"user{i}@wayne.test") for i in range(15)]
    for name in "ABCDE":
        scim.post("Groups", {"displayName": name, "members": [{"value": u["id"]} for u in users]})
    with django_assert_max_num_queries(4):
        assert scim.get("Users").json()["totalResults"] == 15
    with django_assert_max_num_queries(5):
        groups = scim.get("Groups").json()
    assert groups["totalResults"] == 6
    assert len(groups["Resources"][-1]["members"]) == 15


def test_allowed_email_domains_apply(scim, org, owner):
    from organizations.services import update_security_policy

    update_security_policy(
        org=org,
        actor=owner,
        require_mfa=False,
        allowed_email_domains=[owner.email.split("@")[1]],
        session_lifetime_hours=None,
        reauthentication_minutes=None,
    )
    body = assert_scim_error(scim.post("Users", {"userName": "outsider@elsewhere.test"}), 400)
    assert body["scimType"] == "invalidValue"
    assert not ScimUser.objects.exists()


def test_a_suspended_org_is_read_only_for_its_token(scim, org):
    from organizations.services import suspend_organization
    from tests.factories import staff_with

    user = new_user(scim)
    staff = staff_with("suspend_organization")
    suspend_organization(org=org, actor=staff, reason="Unpaid invoices for three months.")
    assert scim.get("Users").status_code == 200
    assert_scim_error(scim.post("Users", {"userName": "new@wayne.test"}), 403)
    assert_scim_error(
        scim.patch(f"Users/{user['id']}", [{"op": "replace", "path": "active", "value": False}]),
        403,
    )
    assert org.memberships.filter(user__email="jane@wayne.test").exists()


def test_the_token_cannot_act_beyond_members_and_teams(org, token):
    from organizations.errors import NotAllowed
    from organizations.services import update_organization
    from scim.actors import ScimActor

    actor = ScimActor.of(ScimToken.objects.get(organization=org))
    with pytest.raises(NotAllowed):
        update_organization(org=org, actor=actor, display_name="Hijacked")
    other = OrganizationFactory()
    with pytest.raises(NotAllowed):
        org_services.create_team(org=other, actor=actor, name="Hijacked")

"""Invitations over the API: Auth0's shape, the invitations service's rules."""

import pytest
from django.core import mail

from invitations.models import Invitation
from organizations.models import AuditEvent

from .conftest import as_json

pytestmark = pytest.mark.django_db


def url(org, suffix=""):
    return f"/api/v2/organizations/{org.public_id}/invitations{suffix}"


def invite(http, org, email="new@example.com", **extra):
    return http.post(
        url(org),
        {"inviter": {"name": "Acme HR"}, "invitee": {"email": email}, **extra},
        format="json",
    )


def test_create_sends_the_email_and_answers_auth0s_shape(
    platform_api, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(platform_api, org, roles=["rol_admin"])
    assert response.status_code == 201, response.content
    body = as_json(response)
    invitation = Invitation.objects.get(organization=org, email="new@example.com")
    assert body["id"] == f"uinv_{invitation.pk}"
    assert body["organization_id"] == org.public_id
    assert body["inviter"] == {"name": "Acme HR"}
    assert body["invitee"] == {"email": "new@example.com"}
    assert body["roles"] == ["rol_admin"]
    assert body["invitation_url"].startswith("http")
    assert invitation.role == "admin" and invitation.invited_by is None
    assert len(mail.outbox) == 1 and "Acme HR" in mail.outbox[0].body
    event = AuditEvent.objects.get(organization=org, action="member.invite")
    assert event.actor_label.startswith("API client")


def test_no_email_when_asked_and_a_short_ttl(platform_api, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(platform_api, org, send_invitation_email=False, ttl_sec=3600)
    assert response.status_code == 201
    assert mail.outbox == []
    invitation = Invitation.objects.get(organization=org)
    lifetime = (invitation.expires_at - invitation.created_at).total_seconds()
    assert 3500 < lifetime < 3700


def test_list_get_and_delete(platform_api, org):
    invitation_id = as_json(invite(platform_api, org))["id"]
    listed = as_json(platform_api.get(url(org)))
    assert [item["id"] for item in listed] == [invitation_id]
    assert as_json(platform_api.get(url(org, f"/{invitation_id}")))["id"] == invitation_id
    assert platform_api.delete(url(org, f"/{invitation_id}")).status_code == 204
    assert Invitation.objects.get().status == Invitation.Status.REVOKED
    assert platform_api.get(url(org, f"/{invitation_id}")).status_code == 404
    assert platform_api.get(url(org, "/uinv_x")).status_code == 404


def test_duplicate_and_bad_address(platform_api, org):
    invite(platform_api, org)
    again = invite(platform_api, org)
    assert again.status_code == 409 and as_json(again)["errorCode"] == "already_invited"
    bad = invite(platform_api, org, email="not-an-address")
    assert bad.status_code == 400 and as_json(bad)["errorCode"] == "invalid_address"


def test_a_pending_org_cannot_invite(platform_api):
    from ..factories import OrganizationFactory

    pending = OrganizationFactory(pending=True)
    response = invite(platform_api, pending)
    assert response.status_code == 400
    assert as_json(response)["errorCode"] == "org_not_active"


def test_an_org_client_cannot_invite_owners(api, make_org_client, org):
    http = api(make_org_client(org))
    response = invite(http, org, roles=["rol_owner"])
    assert response.status_code == 403
    assert as_json(response)["errorCode"] == "owner_only"
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"inviter": {"name": "x"}},
        {"inviter": "x", "invitee": {"email": "a@example.com"}},
        {"inviter": {"name": "x"}, "invitee": {"email": "a@example.com"}, "ttl_sec": -1},
        {"inviter": {"name": "x"}, "invitee": {"email": "a@example.com"}, "roles": ["a", "b"]},
    ],
)
def test_bad_bodies_are_400(platform_api, org, body):
    response = platform_api.post(url(org), body, format="json")
    assert response.status_code == 400
    assert as_json(response)["errorCode"] == "invalid_body"

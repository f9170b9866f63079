"""Bad input gets a clear error, never a 500: the defects found from outside (an address
over 254 characters, NUL bytes, a metadata formset that lies about its initial rows)."""

import pytest
from django.urls import reverse

from invitations.models import Invitation
from organizations.models import Organization

from .factories import OrganizationFactory
from .organizations.test_views import settings_post

pytestmark = pytest.mark.django_db

LONG_ADDRESS = "a" * 250 + "@example.com"  # 262 characters, a valid shape


def test_an_address_over_254_characters_is_refused_on_the_invite_form(client_for, org, owner):
    response = client_for(owner).post(
        reverse("invitations:create", args=[org.name]),
        {"emails": LONG_ADDRESS, "role": "member"},
    )
    assert response.status_code == 200
    assert "An email address has at most 254 characters" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_invite_service_refuses_an_address_over_254_characters(org, owner):
    from invitations.errors import InvalidAddress
    from invitations.services import invite_member

    with pytest.raises(InvalidAddress):
        invite_member(org=org, inviter=owner, email=LONG_ADDRESS)
    assert not Invitation.objects.exists()


def test_a_formset_that_claims_no_stored_rows_cannot_replace_a_stored_pair(client_for, org, owner):
    Organization.objects.filter(pk=org.pk).update(metadata={"region": "eu-west", "plan": "x"})
    data = settings_post(
        org,
        **{
            "metadata-TOTAL_FORMS": "3",
            "metadata-INITIAL_FORMS": "0",
            "metadata-0-key": "region",
            "metadata-0-value": "eu-west",
            "metadata-1-key": "plan",
            "metadata-1-value": "x",
            "metadata-2-key": "region",
            "metadata-2-value": "forged",
        },
    )
    response = client_for(owner).post(reverse("organizations:settings", args=[org.name]), data)
    assert response.status_code == 200
    assert "This key is used twice." in response.content.decode()
    org.refresh_from_db()
    assert org.metadata == {"region": "eu-west", "plan": "x"}


def test_unchanged_stored_rows_are_kept_whatever_the_management_form_says(client_for, org, owner):
    Organization.objects.filter(pk=org.pk).update(metadata={"region": "eu-west", "plan": "x"})
    data = settings_post(
        org,
        **{
            "metadata-TOTAL_FORMS": "3",
            "metadata-INITIAL_FORMS": "0",
            "metadata-0-key": "region",
            "metadata-0-value": "eu-west",
            "metadata-1-key": "plan",
            "metadata-1-value": "x",
            "metadata-2-key": "tier",
            "metadata-2-value": "gold",
        },
    )
    response = client_for(owner).post(reverse("organizations:settings", args=[org.name]), data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.metadata == {"region": "eu-west", "plan": "x", "tier": "gold"}


def test_nul_bytes_in_the_approval_queue_post_and_staff_urls_are_no_500(
    client_for, platform_admin, owner
):
    pending = OrganizationFactory(created_by=owner, name="waiting", pending=True)
    client = client_for(platform_admin)
    response = client.post(reverse("organizations:approvals"), {"org": ["x\x00y", "org_\x00"]})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.is_pending
    assert client.get("/staff/approvals/org_%00abc/").status_code in (400, 404)
    reject = client.post("/staff/approvals/org_%00abc/reject/", {"reason": "no"})
    assert reject.status_code in (400, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/orgs/?q=a%00b",
        "/o/acme/members/?q=a%00b",
        "/o/acme/audit/?actor=a%00b&action=x%00",
        "/o/acme/audit/?before=1%002",
        "/o/acme/structure/units/new/?parent=1%00",
        "/o/acme/members/?page=%00",
    ],
)
def test_nul_bytes_in_query_strings_are_no_500(client_for, org, owner, path):
    assert client_for(owner).get(path).status_code < 500


def test_nul_bytes_in_form_fields_are_refused_next_to_the_field(client_for, org, owner):
    response = client_for(owner).post(
        reverse("organizations:settings", args=[org.name]),
        settings_post(org, display_name="Acme\x00Corp"),
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    org.refresh_from_db()
    assert org.display_name == "Acme Corporation"

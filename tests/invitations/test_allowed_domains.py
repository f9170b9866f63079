"""An org's allowed email domains (its security policy) at invite and at accept time."""

import pytest
from django.urls import reverse

from invitations import services
from invitations.models import Invitation
from notifications.models import OutboxEmail
from organizations.errors import OrganizationError
from organizations.models import AuditEvent, Membership, SecurityPolicy

from ..factories import UserFactory, invitation_with_token
from .test_views import ACCEPT, open_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_example_com(org):
    return SecurityPolicy.objects.create(organization=org, allowed_email_domains=["example.com"])


def test_an_invite_outside_the_domains_is_refused_with_the_reason(org, owner, only_example_com):
    with pytest.raises(OrganizationError) as refused:
        services.invite_member(org=org, inviter=owner, email="eve@gmail.com")
    assert refused.value.code == "domain_not_allowed"
    assert "@example.com" in refused.value.message
    assert "eve@gmail.com" in refused.value.message
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert not AuditEvent.objects.filter(action="member.invite").exists()
    assert services.invite_member(org=org, inviter=owner, email="ada@dev.example.com").pk


def test_bulk_invite_reports_the_refusal_per_address(org, owner, only_example_com):
    results = services.invite_members(
        org=org, inviter=owner, emails=["a@example.com", "b@gmail.com"]
    )
    assert [(r.email, r.outcome) for r in results] == [
        ("a@example.com", "invited"),
        ("b@gmail.com", "domain_not_allowed"),
    ]


def test_the_invite_page_shows_the_reason_next_to_the_field(
    client_for, org, owner, only_example_com
):
    client = client_for(owner)
    url = reverse("invitations:create", args=[org.name])
    page = client.get(url)
    assert "Only @example.com addresses." in page.content.decode()
    response = client.post(url, {"emails": "ok@example.com\neve@gmail.com", "role": "member"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["emails"].value() == "eve@gmail.com"
    assert any("eve@gmail.com is not one of them" in error for error in form.errors["emails"])
    assert Invitation.objects.filter(email="ok@example.com").exists()
    assert not Invitation.objects.filter(email="eve@gmail.com").exists()


def test_accept_is_refused_when_the_domains_changed_after_the_invite(client, org, owner):
    invitation, token = invitation_with_token(organization=org, email="eve@gmail.com")
    SecurityPolicy.objects.create(organization=org, allowed_email_domains=["example.com"])
    eve = UserFactory(email="eve@gmail.com")
    with pytest.raises(OrganizationError) as refused:
        services.accept_invitation(token=token, user=eve)
    assert refused.value.code == "domain_not_allowed"
    assert not Membership.objects.filter(organization=org, user=eve).exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_the_accept_page_says_why_and_does_not_join(client, org, owner):
    _, token = invitation_with_token(organization=org, email="eve@gmail.com")
    SecurityPolicy.objects.create(organization=org, allowed_email_domains=["example.com"])
    eve = UserFactory(email="eve@gmail.com")
    client.force_login(eve)
    open_link(client, token)
    page = client.get(ACCEPT)
    assert page.status_code == 200
    assert b'data-testid="domain-refusal"' in page.content
    assert "only from @example.com addresses" in page.content.decode()
    response = client.post(ACCEPT, {"action": "join"})
    assert response.status_code == 200
    assert b'data-testid="domain-refusal"' in response.content
    assert not Membership.objects.filter(organization=org, user=eve).exists()


def test_an_address_inside_the_domains_accepts(client, org, only_example_com):
    _, token = invitation_with_token(organization=org, email="ada@example.com")
    ada = UserFactory(email="ada@example.com")
    client.force_login(ada)
    open_link(client, token)
    assert b"domain-refusal" not in client.get(ACCEPT).content
    assert client.post(ACCEPT, {"action": "join"}).status_code == 302
    assert Membership.objects.filter(organization=org, user=ada).exists()

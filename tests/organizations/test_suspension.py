"""Staff suspend an organization and lift it: organizations/services/suspension.py,
the read-only rule in organizations/permissions.py and the staff pages."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from invitations.errors import InvitationInvalid
from invitations.services import accept_invitation
from notifications.models import OutboxEmail
from organizations import services
from organizations.errors import NotAllowed, OrganizationError
from organizations.models import AuditEvent, Organization, Team

from ..factories import MembershipFactory, UserFactory, invitation_with_token

pytestmark = pytest.mark.django_db

REASON = "<script>alert('x')</script> Payment overdue"


@pytest.fixture
def suspender(db):
    user = UserFactory(email="trust@example.com", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="organizations", codename="suspend_organization"
        )
    )
    return user


@pytest.fixture
def second_owner(org):
    return MembershipFactory(organization=org, role="owner").user


@pytest.fixture
def suspended(org, suspender, second_owner):
    return services.suspend_organization(org=org, actor=suspender, reason=REASON)


# --- the services ---------------------------------------------------------------------


def test_suspending_records_why_audits_and_emails_every_owner(
    org, suspender, owner, second_owner, member_user
):
    services.suspend_organization(org=org, actor=suspender, reason=REASON, ip_address="10.0.0.9")
    org.refresh_from_db()
    assert org.is_suspended
    assert org.suspension_reason == REASON
    assert org.suspended_by == suspender and org.suspended_at is not None
    event = AuditEvent.objects.get(organization=org, action="org.suspend")
    assert event.actor == suspender and event.detail == {"reason": REASON}
    mails = OutboxEmail.objects.filter(template="org_suspended")
    assert sorted(mails.values_list("recipient", flat=True)) == sorted(
        [owner.email, second_owner.email]
    )
    assert "Payment overdue" in mails.first().body_text
    assert "&lt;script&gt;" in mails.first().body_html


def test_lifting_makes_it_active_again_audits_and_emails_the_owners(
    suspended, suspender, owner, second_owner
):
    services.lift_suspension(org=suspended, actor=suspender)
    suspended.refresh_from_db()
    assert suspended.is_active and suspended.suspension_reason == ""
    assert suspended.suspended_at is None and suspended.suspended_by is None
    event = AuditEvent.objects.get(organization=suspended, action="org.unsuspend")
    assert event.detail == {"previous_reason": REASON}
    recipients = OutboxEmail.objects.filter(template="org_unsuspended").values_list(
        "recipient", flat=True
    )
    assert sorted(recipients) == sorted([owner.email, second_owner.email])


@pytest.mark.parametrize("who", ["owner", "plain_staff", "approver"])
def test_only_staff_with_the_suspend_permission_suspend_or_lift(
    org, owner, platform_admin, suspender, who
):
    actor = {
        "owner": owner,
        "plain_staff": UserFactory(is_staff=True),
        "approver": platform_admin,
    }[who]
    with pytest.raises(NotAllowed):
        services.suspend_organization(org=org, actor=actor, reason="No")
    org.refresh_from_db()
    assert org.is_active
    services.suspend_organization(org=org, actor=suspender, reason="Yes")
    with pytest.raises(NotAllowed):
        services.lift_suspension(org=org, actor=actor)
    org.refresh_from_db()
    assert org.is_suspended
    assert not AuditEvent.objects.filter(actor=actor, action__startswith="org.sus").exists()


def test_a_reason_is_required_and_only_the_right_state_changes(org, suspender):
    with pytest.raises(OrganizationError) as refused:
        services.suspend_organization(org=org, actor=suspender, reason="   ")
    assert refused.value.code == "reason_required"
    with pytest.raises(OrganizationError) as refused:
        services.lift_suspension(org=org, actor=suspender)
    assert refused.value.code == "not_suspended"
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.PENDING)
    with pytest.raises(OrganizationError) as refused:
        services.suspend_organization(org=org, actor=suspender, reason="Spam")
    assert refused.value.code == "not_active"


# --- read-only for its members ---------------------------------------------------------


def test_services_refuse_every_change_of_a_suspended_org(suspended, owner):
    with pytest.raises(NotAllowed) as refused:
        services.create_team(org=suspended, actor=owner, name="Ops")
    assert refused.value.code == "org_suspended"
    assert not Team.objects.filter(organization=suspended, name="Ops").exists()


def test_members_read_it_under_a_banner_that_says_why(client_for, suspended, member_user):
    page = client_for(member_user).get(reverse("organizations:dashboard", args=[suspended.name]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="suspended-banner"' in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Payment overdue" in text
    assert "<script>alert('x')</script>" not in text


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "organizations:settings"),
        ("post", "organizations:settings"),
        ("get", "invitations:create"),
        ("get", "organizations:team_create"),
        ("get", "organizations:delete"),
    ],
)
def test_pages_that_change_it_answer_403_with_the_reason(
    client_for, suspended, owner, method, name
):
    response = getattr(client_for(owner), method)(reverse(name, args=[suspended.name]))
    assert response.status_code == 403
    assert "is suspended" in response.content.decode()


def test_members_may_still_leave(client_for, suspended, member_user):
    response = client_for(member_user).post(reverse("organizations:leave", args=[suspended.name]))
    assert response.status_code == 302
    assert not suspended.memberships.filter(user=member_user).exists()


def test_pending_invitation_links_are_refused_until_lifted(client, suspended, suspender):
    _, token = invitation_with_token(organization=suspended, email="new@example.com")
    invitee = UserFactory(email="new@example.com")
    with pytest.raises(InvitationInvalid):
        accept_invitation(token=token, user=invitee)
    page = client.get(reverse("invitations:link", kwargs={"token": token}), follow=True)
    assert "Accept the invitation" not in page.content.decode()
    services.lift_suspension(org=suspended, actor=suspender)
    assert accept_invitation(token=token, user=invitee).organization == suspended


# --- the staff pages --------------------------------------------------------------------


def test_staff_suspend_from_the_orgs_staff_page_and_lift_it(client_for, org, suspender):
    client = client_for(suspender)
    detail = reverse("organizations:approval_detail", args=[org.public_id])
    suspend = reverse("organizations:suspend", args=[org.public_id])
    assert suspend in client.get(detail).content.decode()
    empty = client.post(suspend, {"reason": ""})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    response = client.post(suspend, {"reason": "Abuse reports"}, follow=True)
    assert "is suspended; its owners were emailed" in response.content.decode()
    org.refresh_from_db()
    assert org.is_suspended and org.suspension_reason == "Abuse reports"
    lift = reverse("organizations:lift_suspension", args=[org.public_id])
    assert lift in response.content.decode()
    assert client.get(lift).status_code == 405
    client.post(lift)
    org.refresh_from_db()
    assert org.is_active


@pytest.mark.parametrize("who", ["owner", "plain_staff", "approver"])
def test_the_suspend_pages_are_404_to_everyone_else(client_for, org, owner, platform_admin, who):
    user = {
        "owner": owner,
        "plain_staff": UserFactory(is_staff=True),
        "approver": platform_admin,
    }[who]
    client = client_for(user)
    assert client.get(reverse("organizations:suspend", args=[org.public_id])).status_code == 404
    response = client.post(reverse("organizations:suspend", args=[org.public_id]), {"reason": "x"})
    assert response.status_code == 404
    assert (
        client.post(reverse("organizations:lift_suspension", args=[org.public_id])).status_code
        == 404
    )
    org.refresh_from_db()
    assert org.is_active

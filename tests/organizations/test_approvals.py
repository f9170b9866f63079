"""Self-registration and the approval queue: organizations/services/approvals.py and the
governance rules of `create_organization` and `permissions.create_blocked_reason`."""

import itertools

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError

from invitations import services as invitation_services
from invitations.errors import OrgCannotInvite
from invitations.models import Invitation
from notifications.models import OutboxEmail
from organizations import permissions, services
from organizations.errors import NotAllowed, OrganizationError
from organizations.models import AuditEvent, GovernanceSettings, Membership, Organization

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

WHO = GovernanceSettings.WhoMayCreate


def _user(kind: str):
    if kind == "staff":
        return UserFactory(is_staff=True)
    return UserFactory(account_type=kind)


@pytest.mark.parametrize(
    ("self_registration", "auto_approve", "who_may_create", "kind"),
    list(
        itertools.product(
            [True, False],
            [True, False],
            [WHO.ANY_VERIFIED, WHO.BUSINESS, WHO.STAFF],
            ["personal", "business", "staff"],
        )
    ),
)
def test_governance_decides_who_creates_and_whether_it_waits(
    governance, self_registration, auto_approve, who_may_create, kind
):
    governance.allow_self_registration = self_registration
    governance.auto_approve = auto_approve
    governance.who_may_create = who_may_create
    governance.save()
    user = _user(kind)
    may_create = kind == "staff" or (
        self_registration
        and who_may_create != WHO.STAFF
        and (who_may_create != WHO.BUSINESS or kind == "business")
    )
    assert permissions.can_create_organization(user) is may_create
    if not may_create:
        with pytest.raises(NotAllowed) as info:
            services.create_organization(creator=user, display_name="Nope")
        assert info.value.code in ("self_registration_off", "business_only")
        assert info.value.message == permissions.create_blocked_reason(user)[1]
        assert not Organization.objects.exists()
        return
    org = services.create_organization(creator=user, display_name="New Org")
    # Staff's own orgs never wait; everyone else's wait unless auto-approve is on.
    expected = "active" if (auto_approve or kind == "staff") else "pending"
    assert org.status == expected
    assert (org.submitted_at is not None) is (expected == "pending")
    actions = set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
    assert actions == ({"org.create", "org.request"} if expected == "pending" else {"org.create"})
    assert Membership.objects.get(organization=org).role == "owner"
    assert org.teams.get().is_default


def test_new_install_defaults_self_registration_on_auto_approve_off(db):
    governance = GovernanceSettings.get_solo()
    assert governance.allow_self_registration is True
    assert governance.auto_approve is False
    assert governance.who_may_create == WHO.ANY_VERIFIED


def test_blocked_reasons_explain_themselves(governance):
    user = UserFactory()
    governance.allow_self_registration = False
    governance.save()
    code, message = permissions.create_blocked_reason(user)
    assert code == "self_registration_off" and "platform admins" in message
    governance.allow_self_registration = True
    governance.who_may_create = WHO.BUSINESS
    governance.save()
    code, message = permissions.create_blocked_reason(user)
    assert code == "business_only" and "business account" in message
    assert permissions.create_blocked_reason(UserFactory(verified=False))[0] == "email_unverified"


# --- the request email --------------------------------------------------------------


def test_a_request_emails_every_platform_admin(
    platform_admin, governance, django_capture_on_commit_callbacks
):
    superuser = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    UserFactory(email="plainstaff@example.com", is_staff=True)  # no approve permission
    UserFactory(email="gone@example.com", is_staff=True, is_superuser=True, is_active=False)
    via_group = UserFactory(email="grouped@example.com", is_staff=True)
    group = via_group.groups.create(name="Approvers")
    group.permissions.add(Permission.objects.get(codename="approve_organization"))
    requester = UserFactory(first_name="Rita", last_name="Quest")
    with django_capture_on_commit_callbacks(execute=True):
        org = services.create_organization(creator=requester, display_name="Waiting Co")
    assert org.is_pending
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([platform_admin.email, superuser.email, via_group.email])
    message = next(m for m in mail.outbox if m.to == [platform_admin.email])
    assert message.subject == "New organization request: Waiting Co"
    assert "Rita Quest" in message.body and "/staff/approvals/" in message.body
    assert set(OutboxEmail.objects.values_list("template", flat=True)) == {"org_request"}


def test_a_rolled_back_request_emails_nobody(platform_admin, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError),  # the name is invalid: nothing is saved
    ):
        services.create_organization(creator=UserFactory(), display_name="X", name="Not Valid")
    assert mail.outbox == [] and not OutboxEmail.objects.exists()


# --- what a pending org may not do ------------------------------------------------------


@pytest.fixture
def pending(owner):
    return OrganizationFactory(created_by=owner, name="waiting", pending=True)


def test_a_pending_org_cannot_invite(pending, owner):
    with pytest.raises(OrgCannotInvite) as info:
        invitation_services.invite_member(org=pending, inviter=owner, email="x@example.com")
    assert "waiting for approval" in info.value.message
    assert not Invitation.objects.exists()


def test_a_pending_org_cannot_create_child_orgs(pending, owner):
    with pytest.raises(NotAllowed) as info:
        services.create_child_organization(
            parent=pending,
            creator=owner,
            kind="group",
            display_name="Child",
            admin_email=owner.email,
            user_seats=1,
            device_seats=0,
        )
    assert info.value.code == "parent_inactive"
    assert "waiting for approval" in info.value.message
    assert Organization.objects.count() == 1


def test_a_pending_org_cannot_register_devices(pending, owner):
    with pytest.raises(NotAllowed) as info:
        services.register_device(org=pending, actor=owner, name="Kiosk", identifier="K-1")
    assert info.value.code == "org_inactive"
    assert "waiting for approval" in info.value.message
    assert not pending.devices.exists()


def test_a_rejected_org_cannot_invite_either(pending, owner, platform_admin):
    services.reject_organization(org=pending, actor=platform_admin, reason="No.")
    pending.refresh_from_db()
    with pytest.raises(OrgCannotInvite):
        invitation_services.invite_member(org=pending, inviter=owner, email="x@example.com")
    with pytest.raises(NotAllowed):
        services.register_device(org=pending, actor=owner, name="Kiosk", identifier="K-1")


def test_the_owner_edits_a_pending_org(pending, owner):
    services.update_organization(org=pending, actor=owner, display_name="Renamed")
    pending.refresh_from_db()
    assert pending.display_name == "Renamed" and pending.is_pending


def test_withdrawing_a_request_deletes_it_with_an_audit_event(pending, owner):
    services.delete_organization(org=pending, actor=owner, confirm_name="waiting")
    assert not Organization.objects.filter(name="waiting").exists()
    actions = list(AuditEvent.objects.filter(org_name="waiting").values_list("action", flat=True))
    assert "org.withdraw" in actions and "org.delete" in actions


# --- approve, reject, re-submit ------------------------------------------------------


def test_approve_makes_it_active_and_emails_the_requester(
    pending, owner, platform_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_organization(org=pending, actor=platform_admin, ip_address="10.0.0.1")
    pending.refresh_from_db()
    assert pending.is_active
    assert pending.reviewed_by == platform_admin and pending.reviewed_at is not None
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == f"{pending.display_name} is approved"
    assert "/o/waiting/" in message.body
    assert OutboxEmail.objects.get().template == "org_approved"
    event = AuditEvent.objects.get(action="org.approve")
    assert (event.actor, event.ip_address) == (platform_admin, "10.0.0.1")
    # Now it can invite.
    invitation_services.invite_member(org=pending, inviter=owner, email="new@example.com")


def test_reject_needs_a_reason_and_emails_it(
    pending, owner, platform_admin, django_capture_on_commit_callbacks
):
    with pytest.raises(OrganizationError) as info:
        services.reject_organization(org=pending, actor=platform_admin, reason="   ")
    assert info.value.code == "reason_required"
    reason = "Use your company's legal name & number."
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_organization(org=pending, actor=platform_admin, reason=reason)
    pending.refresh_from_db()
    assert pending.is_rejected and pending.rejection_reason == reason
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == f"{pending.display_name} was not approved"
    assert reason in message.body  # the text body is not HTML-escaped
    assert "company&#x27;s legal name &amp; number" in message.alternatives[0][0]
    assert OutboxEmail.objects.get().template == "org_rejected"
    event = AuditEvent.objects.get(action="org.reject")
    assert event.detail["reason"] == reason


def test_only_platform_admins_decide(pending, owner):
    plain_staff = UserFactory(is_staff=True)
    for actor in (owner, plain_staff):
        with pytest.raises(NotAllowed):
            services.approve_organization(org=pending, actor=actor)
        with pytest.raises(NotAllowed):
            services.reject_organization(org=pending, actor=actor, reason="x")
    pending.refresh_from_db()
    assert pending.is_pending


def test_an_active_org_cannot_be_approved_or_rejected(org, platform_admin):
    with pytest.raises(OrganizationError) as info:
        services.approve_organization(org=org, actor=platform_admin)
    assert info.value.code == "not_pending"
    with pytest.raises(OrganizationError):
        services.reject_organization(org=org, actor=platform_admin, reason="x")


def test_resubmit_after_rejection_goes_back_to_the_queue(
    pending, owner, platform_admin, django_capture_on_commit_callbacks
):
    first_submitted = pending.submitted_at
    services.reject_organization(org=pending, actor=platform_admin, reason="Add a logo.")
    with pytest.raises(OrganizationError):
        services.resubmit_organization(org=OrganizationFactory(), actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.resubmit_organization(org=pending, actor=owner)
    pending.refresh_from_db()
    assert pending.is_pending and pending.submitted_at > first_submitted
    event = AuditEvent.objects.get(action="org.resubmit")
    assert event.detail["previous_reason"] == "Add a logo."
    admin_mails = [m for m in mail.outbox if m.to == [platform_admin.email]]
    assert admin_mails[-1].subject.startswith("Re-submitted organization request")


def test_a_member_cannot_resubmit(pending, platform_admin):
    member = UserFactory()
    Membership.objects.create(organization=pending, user=member, role="member")
    services.reject_organization(org=pending, actor=platform_admin, reason="x")
    with pytest.raises(NotAllowed):
        services.resubmit_organization(org=pending, actor=member)


def test_bulk_approve_skips_what_is_no_longer_pending(platform_admin):
    orgs = [OrganizationFactory(pending=True) for _ in range(3)]
    services.reject_organization(org=orgs[0], actor=platform_admin, reason="x")
    assert services.approve_organizations(orgs=orgs, actor=platform_admin) == 2
    assert sorted(Organization.objects.values_list("status", flat=True)) == [
        "active",
        "active",
        "rejected",
    ]


# --- staff create for someone ------------------------------------------------------


def test_staff_create_for_an_existing_account(platform_admin):
    someone = UserFactory(email="someone@example.com")
    org = services.create_organization_for(
        staff=platform_admin, owner_email="Someone@Example.com", display_name="Their Org"
    )
    assert org.is_active and org.created_by == someone
    membership = Membership.objects.get(organization=org)
    assert (membership.user, membership.role) == (someone, "owner")
    assert org.teams.get().members.get() == membership
    event = AuditEvent.objects.get(action="org.staff_create")
    assert (event.actor, event.detail["owner_email"]) == (platform_admin, "someone@example.com")


def test_staff_create_invites_an_unknown_owner(
    platform_admin, governance, django_capture_on_commit_callbacks
):
    governance.allow_self_registration = False  # staff create whatever governance says
    governance.save()
    with django_capture_on_commit_callbacks(execute=True):
        org = services.create_organization_for(
            staff=platform_admin, owner_email="new@example.com", display_name="Fresh Org"
        )
    assert org.is_active and not org.memberships.exists()
    invitation = Invitation.objects.get(organization=org)
    assert (invitation.email, invitation.role) == ("new@example.com", "owner")
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_only_staff_create_for_others(owner):
    with pytest.raises(NotAllowed):
        services.create_organization_for(
            staff=owner, owner_email="x@example.com", display_name="Nope"
        )
    with pytest.raises(NotAllowed):
        services.create_organization_for(
            staff=UserFactory(is_staff=True), owner_email="x@example.com", display_name="Nope"
        )

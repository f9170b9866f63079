from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.utils import timezone

from invitations import services
from invitations.errors import (
    AlreadyInvited,
    AlreadyMember,
    InvalidAddress,
    InvitationInvalid,
    OrgCannotInvite,
    ResendLimitReached,
    ResendTooSoon,
    WrongAccount,
)
from invitations.models import Invitation
from invitations.tokens import hash_token
from notifications.models import OutboxEmail
from organizations.errors import NotAllowed
from organizations.models import AuditEvent, GovernanceSettings, Membership, Organization
from organizations.seats import SeatLimitExceeded, user_seat_usage

from ..factories import InvitationFactory, UserFactory, invitation_with_token
from .conftest import token_from_last_mail

pytestmark = pytest.mark.django_db


# --- invite ------------------------------------------------------------------------


def test_invite_stores_only_the_hash_and_emails_the_link(invite, org, owner):
    invitation, token = invite("Invitee@Example.com", first_name="Ina", last_name="Vitee")
    invitation.refresh_from_db()
    assert invitation.email == "invitee@example.com"
    assert invitation.status == Invitation.Status.PENDING
    assert len(token) >= 43  # 32 random bytes
    assert invitation.token_hash == hash_token(token)
    assert token not in str(Invitation.objects.values().get())
    assert invitation.send_count == 1 and invitation.last_sent_at is not None
    lifetime = GovernanceSettings.get_solo().invitation_lifetime_days
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=lifetime))) < timedelta(
        minutes=1
    )
    (message,) = mail.outbox
    assert message.to == ["invitee@example.com"]
    assert "Acme Corporation" in message.subject
    assert owner.display_name in message.body
    assert "member" in message.body
    html = message.alternatives[0][0]
    assert f"/invitations/accept/{token}/" in html
    assert "Accept the invitation" in html
    row = OutboxEmail.objects.get()
    assert (row.template, row.status, row.attempts) == ("invitation", "sent", 1)
    event = AuditEvent.objects.get(action="member.invite")
    assert (event.actor, event.target, event.detail["role"]) == (
        owner,
        "invitee@example.com",
        "member",
    )


def test_invitation_email_text_is_not_html_escaped(invite, org, owner):
    Organization.objects.filter(pk=org.pk).update(display_name="O'Brien & Sons")
    owner.first_name, owner.last_name = "Dara", "O'Neil"
    owner.save()
    invite()
    (message,) = mail.outbox
    assert message.subject == "Dara O'Neil invited you to join O'Brien & Sons on Orgportal"
    assert "O'Brien & Sons" in message.body
    assert "O&#x27;Brien &amp; Sons" in message.alternatives[0][0]


def test_invitation_email_shows_the_logo(invite, org):
    Organization.objects.filter(pk=org.pk).update(logo_url="https://cdn.example.com/acme.png")
    invite()
    assert 'src="https://cdn.example.com/acme.png"' in mail.outbox[0].alternatives[0][0]


def test_a_pending_invitation_holds_a_seat(invite, org):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)
    org.refresh_from_db()
    invite("first@example.com")
    usage = user_seat_usage(org)
    assert (usage.used, usage.available) == (2, 0)  # the owner and the invitation
    with pytest.raises(SeatLimitExceeded):
        services.invite_member(org=org, inviter=org.created_by, email="second@example.com")
    assert Invitation.objects.count() == 1


def test_an_expired_invitation_holds_no_seat(org):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)
    InvitationFactory(organization=org, expires_at=timezone.now() - timedelta(seconds=1))
    org.refresh_from_db()
    assert user_seat_usage(org).available == 1


def test_only_owners_invite_owners(org, admin_user, member_user):
    with pytest.raises(NotAllowed) as info:
        services.invite_member(org=org, inviter=admin_user, email="x@example.com", role="owner")
    assert info.value.code == "owner_only"
    services.invite_member(org=org, inviter=admin_user, email="x@example.com", role="admin")
    with pytest.raises(NotAllowed):
        services.invite_member(org=org, inviter=member_user, email="y@example.com")
    services.invite_member(org=org, inviter=org.created_by, email="z@example.com", role="owner")


def test_an_outsider_cannot_invite(org, outsider):
    with pytest.raises(NotAllowed):
        services.invite_member(org=org, inviter=outsider, email="x@example.com")


def test_a_pending_org_cannot_invite(org, owner):
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.PENDING)
    with pytest.raises(OrgCannotInvite) as info:
        services.invite_member(org=org, inviter=owner, email="x@example.com")
    assert "waiting for approval" in info.value.message


def test_duplicates_and_members_are_refused(invite, org, owner, member_user):
    invitation, _ = invite("dup@example.com")
    with pytest.raises(AlreadyInvited) as info:
        services.invite_member(org=org, inviter=owner, email="DUP@example.com")
    assert info.value.invitation == invitation
    with pytest.raises(AlreadyMember):
        services.invite_member(org=org, inviter=owner, email=member_user.email.upper())
    with pytest.raises(InvalidAddress):
        services.invite_member(org=org, inviter=owner, email="not-an-address")


def test_inviting_an_expired_address_renews_the_same_invitation(invite, org, owner):
    invitation, old_token = invite("late@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.EXPIRED)
    renewed, new_token = invite("late@example.com", role="admin")
    assert renewed.pk == invitation.pk
    renewed.refresh_from_db()
    assert (renewed.status, renewed.role, renewed.send_count) == ("pending", "admin", 2)
    assert new_token != old_token and renewed.token_hash == hash_token(new_token)


def test_bulk_invite_reports_a_result_per_address(org, owner, member_user, invite):
    invite("already@example.com")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=4)  # owner, member, 1 held
    org.refresh_from_db()
    emails = services.parse_addresses(
        f"new@example.com, {member_user.email}\nalready@example.com;bad-address  last@example.com"
    )
    results = services.invite_members(org=org, inviter=owner, emails=emails, role="member")
    assert [(r.email, r.outcome) for r in results] == [
        ("new@example.com", "invited"),
        (member_user.email, "already_member"),
        ("already@example.com", "already_invited"),
        ("bad-address", "invalid_address"),
        ("last@example.com", "no_seat"),
    ]
    assert results[2].invitation is not None


def test_parse_addresses_dedupes_and_limits():
    assert services.parse_addresses(" A@x.com,a@x.com\n\nb@x.com ; ") == ["a@x.com", "b@x.com"]
    with pytest.raises(services.InvitationError):
        services.invite_members(
            org=None, inviter=None, emails=[f"u{i}@x.com" for i in range(51)], role="member"
        )


def test_a_rolled_back_invite_sends_nothing(org, owner, django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        services.invite_member(org=org, inviter=owner, email="never@example.com")
        raise Boom
    assert callbacks == []
    assert mail.outbox == []
    assert not OutboxEmail.objects.exists()
    assert not Invitation.objects.exists()


# --- resend, revoke, expire ----------------------------------------------------------


def test_resend_issues_a_new_token_and_the_old_link_dies(
    invite, owner, django_capture_on_commit_callbacks
):
    invitation, old_token = invite()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        with django_capture_on_commit_callbacks(execute=True):
            services.resend_invitation(invitation=invitation, actor=owner)
        new_token = token_from_last_mail(invitation.email)
    assert new_token != old_token
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    assert invitation.token_hash == hash_token(new_token)
    with pytest.raises(InvitationInvalid):
        services.accept_invitation(token=old_token, user=UserFactory(email=invitation.email))
    assert AuditEvent.objects.filter(action="member.invite.resend").count() == 1


def test_resend_is_limited_per_minute_and_per_day(invite, owner):
    invitation, _ = invite()
    start = timezone.now()
    with pytest.raises(ResendTooSoon) as info:
        services.resend_invitation(invitation=invitation, actor=owner)
    assert "second" in info.value.message
    for minute in range(2, 6):  # sends 2..5 of the 24-hour window
        with time_machine.travel(start + timedelta(minutes=minute)):
            services.resend_invitation(invitation=invitation, actor=owner)
    with (
        time_machine.travel(start + timedelta(minutes=30)),
        pytest.raises(ResendLimitReached) as info,
    ):
        services.resend_invitation(invitation=invitation, actor=owner)
    assert "5 times in 24 hours" in info.value.message
    with time_machine.travel(start + timedelta(hours=24, minutes=3)):
        services.resend_invitation(invitation=invitation, actor=owner)
    invitation.refresh_from_db()
    assert invitation.send_count == 6


def test_resend_renews_an_expired_invitation_if_a_seat_is_free(invite, org, owner):
    invitation, _ = invite()
    later = timezone.now() + timedelta(days=8)
    with time_machine.travel(later):
        assert services.expire_invitations() == 1
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.EXPIRED
        Organization.objects.filter(pk=org.pk).update(user_seat_limit=1)
        with pytest.raises(SeatLimitExceeded):
            services.resend_invitation(invitation=invitation, actor=owner)
        Organization.objects.filter(pk=org.pk).update(user_seat_limit=5)
        services.resend_invitation(invitation=invitation, actor=owner)
        invitation.refresh_from_db()
        assert invitation.is_usable


def test_admins_cannot_resend_or_revoke_owner_invitations(invite, admin_user):
    invitation, _ = invite(role="owner")
    with pytest.raises(NotAllowed):
        services.revoke_invitation(invitation=invitation, actor=admin_user)


def test_revoke_frees_the_seat_and_kills_the_link(invite, org, owner):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)
    invitation, token = invite()
    services.revoke_invitation(invitation=invitation, actor=owner)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    org.refresh_from_db()
    assert user_seat_usage(org).available == 1
    with pytest.raises(InvitationInvalid):
        services.accept_invitation(token=token, user=UserFactory(email=invitation.email))
    assert AuditEvent.objects.filter(action="member.invite.revoke").count() == 1


def test_revoke_pending_invitations_for_an_address(invite, org, owner):
    invite("gone@example.com")
    invite("stays@example.com")
    assert (
        services.revoke_pending_invitations_for(org=org, email="GONE@example.com", actor=owner) == 1
    )
    assert set(Invitation.objects.values_list("email", "status")) == {
        ("gone@example.com", "revoked"),
        ("stays@example.com", "pending"),
    }


def test_deleting_an_org_deletes_its_invitations(org):
    InvitationFactory.create_batch(3, organization=org)
    other = InvitationFactory()
    Organization.objects.filter(pk=org.pk).delete()
    assert list(Invitation.objects.all()) == [other]


# --- accept, decline ------------------------------------------------------------------


def test_accept_joins_with_the_invited_role_and_the_default_team(
    invite, org, owner, django_capture_on_commit_callbacks
):
    invitation, token = invite("joiner@example.com", role="admin")
    user = UserFactory(email="joiner@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.accept_invitation(token=token, user=user)
    assert (membership.organization, membership.role) == (org, "admin")
    assert membership.teams.filter(is_default=True).exists()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == ("accepted", user)
    event = AuditEvent.objects.get(action="member.accept")
    assert (event.actor, event.target, event.detail["invited_by"]) == (
        user,
        user.email,
        owner.email,
    )
    (joined,) = mail.outbox
    assert joined.to == [owner.email]
    assert "joiner@example.com" in joined.body and "Acme Corporation" in joined.subject
    with pytest.raises(InvitationInvalid):  # single use
        services.accept_invitation(token=token, user=user)


def test_accepting_does_not_count_the_seat_twice(invite, org):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)
    _, token = invite("last@example.com")
    services.accept_invitation(token=token, user=UserFactory(email="last@example.com"))
    org.refresh_from_db()
    usage = user_seat_usage(org)
    assert (usage.used, usage.available) == (2, 0)
    assert not Invitation.objects.filter(status="pending").exists()


def test_accept_checks_the_seat_again(invite, org):
    _, token = invite("late@example.com")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=1)
    with pytest.raises(SeatLimitExceeded):
        services.accept_invitation(token=token, user=UserFactory(email="late@example.com"))
    assert Membership.objects.filter(organization=org).count() == 1


def test_only_the_verified_invited_address_can_accept(invite):
    invitation, token = invite("right@example.com")
    with pytest.raises(WrongAccount):
        services.accept_invitation(token=token, user=UserFactory(email="wrong@example.com"))
    unverified = UserFactory(email="right@example.com", verified=False)
    with pytest.raises(WrongAccount):
        services.accept_invitation(token=token, user=unverified)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


@pytest.mark.parametrize(
    "change",
    [
        {"status": Invitation.Status.REVOKED},
        {"status": Invitation.Status.ACCEPTED},
        {"status": Invitation.Status.DECLINED},
        {"status": Invitation.Status.EXPIRED},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ],
)
def test_unusable_invitations_are_all_invalid(change):
    invitation, token = invitation_with_token(email="x@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    with pytest.raises(InvitationInvalid) as info:
        services.accept_invitation(token=token, user=UserFactory(email="x@example.com"))
    assert "no longer valid" in info.value.message


def test_forged_and_unknown_tokens_are_invalid():
    invitation, token = invitation_with_token(email="x@example.com")
    user = UserFactory(email="x@example.com")
    for forged in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        "",
        "x" * 500,
        invitation.token_hash,
    ):
        with pytest.raises(InvitationInvalid):
            services.accept_invitation(token=forged, user=user)


def test_an_existing_member_accepting_closes_the_invitation(org, member_user):
    invitation, token = invitation_with_token(organization=org, email=member_user.email)
    membership = services.accept_invitation(token=token, user=member_user)
    assert membership.user == member_user
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


def test_decline_frees_the_seat(invite, org):
    invitation, token = invite("no@example.com")
    services.decline_invitation(token=token, user=UserFactory(email="no@example.com"))
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert not Membership.objects.filter(organization=org, user__email="no@example.com").exists()
    assert AuditEvent.objects.filter(action="member.invite.decline").count() == 1


def test_member_add_counts_pending_invitations(org, owner, invite):
    from organizations.services import add_member

    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)
    invite()
    with pytest.raises(SeatLimitExceeded):
        add_member(org=org, user=UserFactory(), actor=owner)


def test_removing_a_member_revokes_their_open_invitations(org, owner, member_user):
    from organizations.selectors import deletion_summary
    from organizations.services import remove_member

    pending = InvitationFactory(organization=org, email=member_user.email.upper())
    other = InvitationFactory(organization=org)
    assert deletion_summary(org).counts()["invitations"] == 2
    remove_member(
        org=org, actor=owner, membership=Membership.objects.get(organization=org, user=member_user)
    )
    pending.refresh_from_db()
    other.refresh_from_db()
    assert (pending.status, other.status) == ("revoked", "pending")
    event = AuditEvent.objects.get(action="member.remove")
    assert event.detail["invitations_revoked"] == 1


def test_a_child_orgs_admin_email_is_invited_as_its_owner(
    org, owner, django_capture_on_commit_callbacks
):
    from organizations.services import create_child_organization

    UserFactory(email="lead@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        child = create_child_organization(
            parent=org,
            creator=owner,
            kind="group",
            display_name="Leads",
            admin_email="Lead@example.com",
            user_seats=2,
            device_seats=0,
        )
    invitation = Invitation.objects.get(organization=child)
    assert (invitation.email, invitation.role, invitation.status) == (
        "lead@example.com",
        "owner",
        "pending",
    )
    assert not child.memberships.exists()
    assert [m.to for m in mail.outbox] == [["lead@example.com"]]
    token = token_from_last_mail("lead@example.com")
    lead = get_user_model().objects.get(email="lead@example.com")
    membership = services.accept_invitation(token=token, user=lead)
    assert (membership.organization, membership.role) == (child, "owner")


def test_an_admin_of_the_parent_may_name_the_childs_owner(org, admin_user):
    from organizations.services import create_child_organization

    child = create_child_organization(
        parent=org,
        creator=admin_user,
        kind="group",
        display_name="Admins' group",
        admin_email="boss@example.com",
        user_seats=1,
        device_seats=0,
    )
    assert Invitation.objects.get(organization=child).role == "owner"


def test_staff_revoke_and_resend_need_the_change_invitation_permission(org):
    from django.contrib.auth.models import Permission

    from invitations.services import resend_invitation, revoke_invitation
    from organizations.errors import NotAllowed

    invitation = InvitationFactory(organization=org)
    plain_staff = UserFactory(is_staff=True)
    for service in (revoke_invitation, resend_invitation):
        with pytest.raises(NotAllowed):
            service(invitation=invitation, actor=plain_staff, as_staff=True)
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    plain_staff.user_permissions.add(Permission.objects.get(codename="change_invitation"))
    plain_staff = type(plain_staff).objects.get(pk=plain_staff.pk)
    revoke_invitation(invitation=invitation, actor=plain_staff, as_staff=True)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from invitations import session
from invitations.models import Invitation
from organizations.models import Membership, Organization

from ..factories import PASSWORD, InvitationFactory, UserFactory, invitation_with_token

pytestmark = pytest.mark.django_db

ACCEPT = reverse("invitations:accept")
INVALID_TEXT = "This invitation link is no longer valid — ask the organization for a new one."


def link(token):
    return reverse("invitations:link", kwargs={"token": token})


def open_link(client, token):
    """Follow the emailed link: the token moves into the session and the URL drops it."""
    response = client.get(link(token))
    assert response.status_code == 302
    assert response.url == ACCEPT
    assert token not in response.url
    assert response["Referrer-Policy"] == "no-referrer"
    assert client.session[session.TOKEN_KEY] == token
    return response


# --- the link and the accept page ------------------------------------------------------


def test_signed_in_invitee_sees_the_invitation_and_joins(client, org, owner):
    _, token = invitation_with_token(organization=org, email="me@example.com", role="admin")
    me = UserFactory(email="me@example.com")
    client.force_login(me)
    open_link(client, token)
    response = client.get(ACCEPT)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    content = response.content.decode()
    assert token not in content
    assert "Acme Corporation" in content and owner.display_name in content and "admin" in content
    response = client.post(ACCEPT, {"action": "join"})
    assert response.status_code == 302
    assert response.url == reverse("organizations:dashboard", args=[org.name])
    assert Membership.objects.get(organization=org, user=me).role == "admin"
    assert session.TOKEN_KEY not in client.session
    # Single use: the same link again gets the one invalid answer.
    response = client.get(link(token))
    assert response.status_code == 404
    assert INVALID_TEXT in response.content.decode()


def test_signed_in_invitee_can_decline(client, org):
    invitation, token = invitation_with_token(organization=org, email="me@example.com")
    client.force_login(UserFactory(email="me@example.com"))
    open_link(client, token)
    response = client.post(ACCEPT, {"action": "decline"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert not Membership.objects.filter(organization=org, user__email="me@example.com").exists()


def test_wrong_account_is_told_and_never_joins(client, org):
    invitation, token = invitation_with_token(organization=org, email="invited@example.com")
    other = UserFactory(email="other@example.com")
    client.force_login(other)
    open_link(client, token)
    response = client.get(ACCEPT)
    assert response.status_code == 403
    content = response.content.decode()
    assert "This invitation is for another email address" in content
    assert reverse("invitations:switch_account") in content
    response = client.post(ACCEPT, {"action": "join"})
    assert response.status_code == 403
    assert not Membership.objects.filter(organization=org, user=other).exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    # Signing out keeps the invitation for the right account.
    response = client.post(reverse("invitations:switch_account"))
    assert response.url == ACCEPT
    assert client.session[session.TOKEN_KEY] == token
    assert "_auth_user_id" not in client.session


def test_signed_out_with_an_account_logs_in_then_comes_back(client, org):
    _, token = invitation_with_token(organization=org, email="known@example.com")
    user = UserFactory(email="known@example.com")
    open_link(client, token)
    response = client.get(ACCEPT)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=%2Finvitations%2Faccept%2F"
    response = client.post(
        response.url, {"login": "known@example.com", "password": PASSWORD, "next": ACCEPT}
    )
    assert response.status_code == 302 and response.url == ACCEPT
    response = client.get(ACCEPT)
    assert response.status_code == 200
    client.post(ACCEPT, {"action": "join"})
    assert Membership.objects.filter(organization=org, user=user).exists()


def test_login_next_must_stay_on_this_site(client, org):
    UserFactory(email="known@example.com")
    response = client.post(
        reverse("account_login"),
        {"login": "known@example.com", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert not response.url.startswith("https://evil.example")


def test_signed_out_without_an_account_signs_up_verified_and_joins(
    client, org, owner, django_capture_on_commit_callbacks
):
    invitation, token = invitation_with_token(
        organization=org, email="fresh@example.com", first_name="Fran", last_name="Fresh"
    )
    open_link(client, token)
    response = client.get(ACCEPT)
    assert response.url == reverse("account_signup")
    response = client.get(reverse("account_signup"))
    content = response.content.decode()
    assert 'value="fresh@example.com"' in content and "readonly" in content
    assert "Acme Corporation" in content
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "fresh@example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert response.url == reverse("organizations:dashboard", args=[org.name])
    user = get_user_model().objects.get(email="fresh@example.com")
    assert user.get_full_name() == "Fran Fresh"
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.get(organization=org, user=user).role == "member"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    # No confirmation email: only the inviter hears that the invitee joined.
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert client.get(response.url).status_code == 200


def test_signing_up_with_another_address_never_joins(client, org):
    _, token = invitation_with_token(organization=org, email="fresh@example.com")
    open_link(client, token)
    response = client.post(
        reverse("account_signup"),
        {"email": "sneaky@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "the address the invitation was sent to" in response.content.decode()
    assert not get_user_model().objects.filter(email="sneaky@example.com").exists()
    assert not Membership.objects.filter(organization=org).exclude(user=org.created_by).exists()


def test_the_adapter_vouches_for_the_invited_address_only(rf, org):
    from django.contrib.sessions.backends.db import SessionStore

    from invitations.adapters import InvitationAccountAdapter

    _, token = invitation_with_token(organization=org, email="fresh@example.com")
    request = rf.get("/")
    request.session = SessionStore()
    adapter = InvitationAccountAdapter(request)
    assert not adapter.is_email_verified(request, "fresh@example.com")
    session.store_token(request, token)
    assert adapter.is_email_verified(request, "FRESH@example.com")
    assert not adapter.is_email_verified(request, "sneaky@example.com")
    # allauth's own stash is ignored: it would promote the stashed address on sign-up.
    request.session["account_verified_email"] = "sneaky@example.com"
    assert adapter.unstash_verified_email(request) is None


def test_signup_without_an_invitation_still_needs_confirmation(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "plain@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.url == reverse("account_email_verification_sent")
    assert not EmailAddress.objects.get(email="plain@example.com").verified


@pytest.mark.parametrize("state", ["unknown", "forged", "used", "revoked", "expired", "declined"])
def test_every_dead_link_gets_the_same_page_and_status(client, org, state):
    invitation, token = invitation_with_token(organization=org, email="x@example.com")
    if state == "unknown":
        token = "A" * 43
    elif state == "forged":
        token = token[:-2] + ("zz" if not token.endswith("zz") else "yy")
    elif state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    else:
        status = {"used": "accepted", "revoked": "revoked", "declined": "declined"}[state]
        Invitation.objects.filter(pk=invitation.pk).update(status=status)
    response = client.get(link(token))
    assert response.status_code == 404
    assert response["Referrer-Policy"] == "no-referrer"
    assert INVALID_TEXT in response.content.decode()
    assert session.TOKEN_KEY not in client.session
    assert client.get(ACCEPT).status_code == 404


def test_a_link_that_dies_after_opening_gets_the_same_page(client, org):
    invitation, token = invitation_with_token(organization=org, email="x@example.com")
    client.force_login(UserFactory(email="x@example.com"))
    open_link(client, token)
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.REVOKED)
    response = client.post(ACCEPT, {"action": "join"})
    assert response.status_code == 404
    assert INVALID_TEXT in response.content.decode()


def test_an_expired_invitation_cannot_be_accepted_once_the_clock_passes(client, org):
    _, token = invitation_with_token(organization=org, email="x@example.com")
    client.force_login(UserFactory(email="x@example.com"))
    open_link(client, token)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(ACCEPT, {"action": "join"})
    assert response.status_code == 404
    assert not Membership.objects.filter(organization=org, user__email="x@example.com").exists()


def test_no_seat_left_at_accept_says_so(client, org):
    _, token = invitation_with_token(organization=org, email="x@example.com")
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=1)
    client.force_login(UserFactory(email="x@example.com"))
    open_link(client, token)
    response = client.post(ACCEPT, {"action": "join"})
    assert response.status_code == 200
    assert "No user seat is left" in response.content.decode()


# --- the org's pages -----------------------------------------------------------------------


def test_invite_page_invites_several_addresses(client_for, org, owner, member_user):
    client = client_for(owner)
    url = reverse("invitations:create", args=[org.name])
    page = client.get(url).content.decode()
    assert 'value="owner"' in page
    InvitationFactory(organization=org, email="pending@example.com")
    response = client.post(
        url,
        {
            "emails": f"a@example.com, {member_user.email}\npending@example.com\nnope",
            "role": "member",
        },
    )
    assert response.status_code == 200
    outcomes = [(r.email, r.outcome) for r in response.context["results"]]
    assert outcomes == [
        ("a@example.com", "invited"),
        (member_user.email, "already_member"),
        ("pending@example.com", "already_invited"),
        ("nope", "invalid_address"),
    ]
    content = response.content.decode()
    assert "Resend" in content and "Already a member." in content


def test_invite_page_all_invited_redirects_to_the_list(client_for, org, owner):
    response = client_for(owner).post(
        reverse("invitations:create", args=[org.name]),
        {"emails": "a@example.com", "first_name": "Ann", "role": "member"},
    )
    assert response.url == reverse("invitations:list", args=[org.name])
    assert Invitation.objects.get().first_name == "Ann"


def test_invite_page_limits_addresses(client_for, org, owner):
    emails = ",".join(f"u{i}@example.com" for i in range(51))
    response = client_for(owner).post(
        reverse("invitations:create", args=[org.name]), {"emails": emails, "role": "member"}
    )
    assert response.status_code == 200
    assert "at most 50" in response.content.decode()
    assert not Invitation.objects.exists()


def test_invite_requests_are_rate_limited(client_for, org, owner, monkeypatch):
    from invitations import views

    monkeypatch.setattr(views, "INVITE_REQUEST_LIMIT", 2)
    client = client_for(owner)
    url = reverse("invitations:create", args=[org.name])
    for i in range(2):
        response = client.post(url, {"emails": f"a{i}@example.com", "role": "member"})
        assert response.status_code == 302
    response = client.post(url, {"emails": "a9@example.com", "role": "member"})
    assert response.status_code == 200
    assert "Try again in an hour" in response.content.decode()
    assert Invitation.objects.count() == 2


def test_admins_are_not_offered_the_owner_role(client_for, org, admin_user):
    client = client_for(admin_user)
    url = reverse("invitations:create", args=[org.name])
    assert 'value="owner"' not in client.get(url).content.decode()
    response = client.post(url, {"emails": "a@example.com", "role": "owner"})
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_members_cannot_open_the_invitation_pages(client_for, org, member_user):
    client = client_for(member_user)
    assert client.get(reverse("invitations:list", args=[org.name])).status_code == 403
    assert client.get(reverse("invitations:create", args=[org.name])).status_code == 403
    dashboard = client.get(reverse("organizations:dashboard", args=[org.name])).content.decode()
    assert reverse("invitations:list", args=[org.name]) not in dashboard


def test_a_pending_org_says_why_it_cannot_invite(client_for, org, owner):
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.PENDING)
    client = client_for(owner)
    response = client.get(reverse("invitations:create", args=[org.name]))
    assert "waiting for approval" in response.content.decode()
    response = client.post(
        reverse("invitations:create", args=[org.name]),
        {"emails": "a@example.com", "role": "member"},
    )
    assert response.context["results"][0].outcome == "org_not_active"
    assert not Invitation.objects.exists()


def test_pending_list_shows_invitations_and_expired_ones(client_for, org, owner):
    InvitationFactory(organization=org, email="p@example.com", first_name="Pat", send_count=3)
    InvitationFactory(
        organization=org, email="old@example.com", expires_at=timezone.now() - timedelta(days=1)
    )
    InvitationFactory(organization=org, email="done@example.com", status="accepted")
    client = client_for(owner)
    response = client.get(reverse("invitations:list", args=[org.name]))
    content = response.content.decode()
    assert "p@example.com" in content and "Pat" in content and "old@example.com" in content
    assert "done@example.com" not in content
    assert "Expired" in content and "Renew" in content
    assert owner.display_name in content
    dashboard = client.get(reverse("organizations:dashboard", args=[org.name])).content.decode()
    assert reverse("invitations:list", args=[org.name]) in dashboard


def test_resend_and_its_limit_message(client_for, org, owner, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(
        organization=org, last_sent_at=timezone.now() - timedelta(minutes=5)
    )
    client = client_for(owner)
    url = reverse("invitations:resend", args=[org.name, invitation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "was sent again" in response.content.decode()
    assert len(mail.outbox) == 1
    response = client.post(url, follow=True)
    assert "You can send it again in" in response.content.decode()
    assert client.get(url).status_code == 405


def test_revoke_asks_first(client_for, org, owner):
    invitation = InvitationFactory(organization=org)
    client = client_for(owner)
    url = reverse("invitations:revoke", args=[org.name, invitation.pk])
    response = client.get(url)
    assert "Revoke the invitation to" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    response = client.post(url)
    assert response.url == reverse("invitations:list", args=[org.name])
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_another_orgs_invitation_id_is_not_found_in_my_org(client_for, org, owner):
    foreign = InvitationFactory()
    client = client_for(owner)
    for name in ("invitations:resend", "invitations:revoke"):
        response = client.post(reverse(name, args=[org.name, foreign.pk]))
        assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "pending"


def test_pending_list_query_count_is_flat(client_for, org, owner, django_assert_max_num_queries):
    inviters = [UserFactory() for _ in range(5)]
    Invitation.objects.bulk_create(
        InvitationFactory.build(
            organization=org,
            email=f"bulk{i}@example.com",
            invited_by=inviters[i % 5],
        )
        for i in range(120)
    )
    client = client_for(owner)
    url = reverse("invitations:list", args=[org.name])
    second = client.get(url).context["page"].next
    with django_assert_max_num_queries(9) as captured:
        response = client.get(url, {"after": second})
    assert len(response.context["invitations"]) == 25
    many = len(captured.captured_queries)
    with django_assert_max_num_queries(many):
        assert len(client.get(url, {"page": "last"}).context["invitations"]) == 25
    Invitation.objects.filter(organization=org).delete()
    InvitationFactory(organization=org)
    with django_assert_max_num_queries(many) as captured_one:
        client.get(url)
    assert len(captured_one.captured_queries) <= many


@pytest.fixture
def open_and_closed(org):
    """60 open invitations of `org` (some expired, three sent in each minute, so that
    times tie) among 30 accepted, revoked or declined ones."""
    now = timezone.now()
    Invitation.objects.bulk_create(
        InvitationFactory.build(
            organization=org,
            email=f"open{i}@example.com",
            created_at=now - timedelta(minutes=i // 3),
            status=Invitation.Status.EXPIRED if i % 7 == 0 else Invitation.Status.PENDING,
        )
        for i in range(60)
    )
    Invitation.objects.bulk_create(
        InvitationFactory.build(
            organization=org,
            email=f"closed{i}@example.com",
            created_at=now - timedelta(minutes=i),
            status=("accepted", "revoked", "declined")[i % 3],
        )
        for i in range(30)
    )
    return list(
        Invitation.objects.filter(organization=org, status__in=Invitation.OPEN_STATUSES)
        .order_by("-created_at", "-id")
        .values_list("email", flat=True)
    )


def test_invitation_pages_walk_every_open_invitation_once_both_ways(
    client_for, org, owner, open_and_closed, django_assert_max_num_queries
):
    client = client_for(owner)
    url = reverse("invitations:list", args=[org.name])

    def walk(step, params):
        pages = []
        while True:
            with django_assert_max_num_queries(9):
                response = client.get(url, params)
            pages.append([invitation.email for invitation in response.context["invitations"]])
            cursor = getattr(response.context["page"], step)
            if cursor is None:
                return pages, response
            params = {("after" if step == "next" else "before"): cursor}

    forward, last = walk("next", {})
    assert [email for page in forward for email in page] == open_and_closed
    assert [len(page) for page in forward] == [25, 25, 10]
    backward, first = walk("previous", {"page": "last"})
    assert [email for page in reversed(backward) for email in page] == open_and_closed
    assert [len(page) for page in backward] == [25, 25, 10]
    text = first.content.decode()
    assert 'data-testid="page-next"' in text and 'data-testid="page-previous"' not in text
    text = last.content.decode()
    assert 'data-testid="page-first"' in text and 'data-testid="page-last"' not in text


@pytest.mark.parametrize(
    "params", [{"after": "nope"}, {"before": "W10"}, {"page": "2"}, {"page": "-1"}]
)
def test_invitation_list_gives_the_first_page_for_bad_cursors_and_page_numbers(
    client_for, org, owner, open_and_closed, params
):
    url = reverse("invitations:list", args=[org.name])
    response = client_for(owner).get(url, params)
    assert response.status_code == 200
    emails = [invitation.email for invitation in response.context["invitations"]]
    assert emails == open_and_closed[:25]


@pytest.mark.needs_postgres
def test_invitation_pages_read_the_open_invitations_index_under_any_plan(org, open_and_closed):
    """The list's index holds open invitations only; a prepared statement's generic plan
    uses it (from either end, from a cursor) only when the statement names the statuses."""
    from invitations.selectors import INVITATION_ORDER, invitation_rows_for

    from ..plans import generic_plan

    rows = invitation_rows_for(org)
    cursor = INVITATION_ORDER.values_of(rows[3])
    for query in (
        rows,
        INVITATION_ORDER.ordered(rows, reverse=True),
        INVITATION_ORDER.following(rows, cursor),
        INVITATION_ORDER.preceding(rows, cursor),
    ):
        plan = generic_plan(query[:26])
        assert "invitation_open_newest" in plan and "Sort" not in plan, plan
    assert "ROW(created_at, id)" in plan


# --- creating an organization --------------------------------------------------------------


def test_create_org_then_invite_members_now(client_for, owner, auto_approve):
    client = client_for(owner)
    response = client.post(
        reverse("organizations:create"), {"display_name": "Fresh", "invite_members_now": "on"}
    )
    assert response.url == reverse("invitations:create", args=["fresh"])
    response = client.post(reverse("organizations:create"), {"display_name": "Other"})
    assert response.url == reverse("organizations:dashboard", args=["other"])


def test_invite_members_now_is_disabled_with_a_single_seat(client_for, owner):
    from organizations.models import GovernanceSettings

    governance = GovernanceSettings.get_solo()
    governance.default_user_seat_limit = 1
    governance.save()
    client = client_for(owner)
    page = client.get(reverse("organizations:create")).content.decode()
    assert 'name="invite_members_now"' in page and "disabled" in page
    response = client.post(
        reverse("organizations:create"), {"display_name": "Solo", "invite_members_now": "on"}
    )
    assert response.url == reverse("organizations:dashboard", args=["solo"])


def test_resend_goes_back_only_to_this_site(client_for, org, owner):
    invitation = InvitationFactory(
        organization=org, last_sent_at=timezone.now() - timedelta(minutes=5)
    )
    response = client_for(owner).post(
        reverse("invitations:resend", args=[org.name, invitation.pk]),
        {"next": "https://evil.example/phish"},
    )
    assert response.url == reverse("invitations:list", args=[org.name])

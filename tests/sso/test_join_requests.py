"""Requests to join (sso/join_requests.py, sso/join_views.py): people of a verified domain
ask, owners and admins approve or decline."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxEmail
from organizations import seats
from organizations import services as org_services
from organizations.errors import NotAllowed
from organizations.models import AuditEvent, Membership, Organization
from organizations.services import EmailDomainNotAllowed
from sso import join_requests, services
from sso.models import JoinRequest, SsoPolicy, VerifiedDomain

from ..factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
REQUEST = SsoPolicy.DomainJoin.REQUEST


@pytest.fixture
def asking_org(org):
    """acme, with the verified domain acme.test and "ask to join" on."""
    VerifiedDomain.objects.create(organization=org, domain="acme.test", verified_at=timezone.now())
    SsoPolicy.objects.create(organization=org, domain_join=REQUEST)
    return org


@pytest.fixture
def newcomer(db):
    return UserFactory(email="ada@acme.test", first_name="Ada", last_name="Lovelace")


def ask(user, org, **kwargs):
    return join_requests.request_to_join(actor=user, org=org, **kwargs)


def list_url(org):
    return reverse("sso:join_requests", kwargs={"org_name": org.name})


def approve_url(join_request):
    return reverse(
        "sso:join_request_approve",
        kwargs={"org_name": join_request.organization.name, "request_id": join_request.pk},
    )


def decline_url(join_request):
    return reverse(
        "sso:join_request_decline",
        kwargs={"org_name": join_request.organization.name, "request_id": join_request.pk},
    )


# --- the policy ---------------------------------------------------------------------------


def test_auto_join_stays_a_read_only_view_of_the_mode(org):
    policy = SsoPolicy.objects.create(organization=org)
    assert policy.domain_join == SsoPolicy.DomainJoin.OFF and not policy.auto_join
    policy.domain_join = SsoPolicy.DomainJoin.JOIN
    assert policy.auto_join and not policy.asks_to_join
    policy.domain_join = REQUEST
    assert policy.asks_to_join and not policy.auto_join
    with pytest.raises(AttributeError):
        policy.auto_join = True


def test_the_migration_maps_auto_join_to_the_mode():
    from importlib import import_module

    from django.apps import apps as real_apps

    migration = import_module("sso.migrations.0004_domain_join_and_join_requests")
    calls = []

    class Rows:
        def filter(self, **kwargs):
            calls.append(kwargs)
            return self

        def update(self, **kwargs):
            calls.append(kwargs)

    class Model:
        objects = Rows()

    class FakeApps:
        def get_model(self, app, name):
            assert (app, name) == ("sso", "SsoPolicy")
            return Model

    migration.auto_join_to_domain_join(FakeApps(), None)
    assert calls == [{"auto_join": True}, {"domain_join": "join"}]
    calls.clear()
    migration.domain_join_to_auto_join(FakeApps(), None)
    assert calls == [{"domain_join": "join"}, {"auto_join": True}]
    assert real_apps.get_model("sso", "SsoPolicy") is SsoPolicy


def test_set_sso_only_takes_the_mode_and_the_older_flag(org, owner):
    policy = services.set_sso_only(org=org, actor=owner, sso_only=False, domain_join=REQUEST)
    assert policy.domain_join == REQUEST
    event = org.audit_events.get(action="sso.policy")
    assert event.detail == {"domain_join": "request"}
    assert services.set_sso_only(org=org, actor=owner, sso_only=False, auto_join=True).auto_join
    assert (
        services.set_sso_only(org=org, actor=owner, sso_only=False, auto_join=False).domain_join
        == SsoPolicy.DomainJoin.OFF
    )
    with pytest.raises(services.SsoError):
        services.set_sso_only(org=org, actor=owner, sso_only=False, domain_join="maybe")


def test_the_sso_tab_sets_the_mode(client, asking_org, owner):
    client.force_login(owner)
    page = client.get(reverse("sso:settings", kwargs={"org_name": asking_org.name}))
    html = page.content.decode()
    assert 'name="domain_join" value="request" id="id_domain_join_request" checked' in html
    assert "Ask to join: owners and admins approve" in html


def test_the_sso_tab_saves_the_mode(reauthenticated, org, owner):
    client = reauthenticated(owner)
    url = reverse("sso:sso_only", kwargs={"org_name": org.name})
    response = client.post(url, {"domain_join": "request"}, follow=True)
    assert "joining by verified domain: ask to join" in response.content.decode()
    assert SsoPolicy.objects.get(organization=org).asks_to_join
    client.post(url, {"domain_join": "nonsense"})
    assert SsoPolicy.objects.get(organization=org).asks_to_join


# --- asking -------------------------------------------------------------------------------


def test_a_domain_user_asks_and_the_deciders_are_emailed(
    asking_org, owner, admin_user, member_user, newcomer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        join_request = ask(newcomer, asking_org, message="I run the lab.")
    assert join_request.is_pending and join_request.email == "ada@acme.test"
    assert join_request.message == "I run the lab."
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([owner.email, admin_user.email])
    assert member_user.email not in recipients
    message = mail.outbox[0]
    assert "Ada Lovelace asks to join Acme Corporation" in message.subject
    assert "I run the lab." in message.body
    assert "/o/acme/members/join-requests/" in message.body
    event = AuditEvent.objects.get(organization=asking_org, action="member.join_request")
    assert event.actor == newcomer and event.target == "ada@acme.test"
    assert event.detail["notified"] == 2


def test_asking_again_returns_the_pending_request(asking_org, newcomer):
    first = ask(newcomer, asking_org)
    again = ask(newcomer, asking_org, message="anyone?")
    assert again.pk == first.pk and again.message == ""
    assert JoinRequest.objects.count() == 1
    assert OutboxEmail.objects.filter(template="join_request").count() == 1
    assert asking_org.audit_events.filter(action="member.join_request").count() == 1


def test_one_pending_request_per_person_is_a_database_rule(asking_org, newcomer):
    ask(newcomer, asking_org)
    with pytest.raises(IntegrityError), transaction.atomic():
        JoinRequest.objects.create(organization=asking_org, user=newcomer, email=newcomer.email)
    JoinRequest.objects.update(status=JoinRequest.Status.DECLINED)
    assert ask(newcomer, asking_org).is_pending
    assert JoinRequest.objects.count() == 2


@pytest.mark.parametrize("mode", [SsoPolicy.DomainJoin.OFF, SsoPolicy.DomainJoin.JOIN])
def test_asking_needs_the_ask_to_join_mode(asking_org, newcomer, mode):
    SsoPolicy.objects.filter(organization=asking_org).update(domain_join=mode)
    with pytest.raises(services.SsoError) as refused:
        ask(newcomer, asking_org)
    assert refused.value.code == "not_allowed"
    assert not JoinRequest.objects.exists()


def test_asking_needs_a_confirmed_address_in_a_verified_domain(asking_org):
    VerifiedDomain.objects.create(organization=asking_org, domain="acme-labs.test")
    for user in (
        UserFactory(email="eve@elsewhere.test"),
        UserFactory(email="late@acme.test", verified=False),
        UserFactory(email="bob@acme-labs.test"),  # claimed, not verified
    ):
        with pytest.raises(services.SsoError) as refused:
            ask(user, asking_org)
        assert refused.value.code == "not_allowed"
    assert not JoinRequest.objects.exists()


def test_members_and_inactive_orgs_are_refused(asking_org, newcomer):
    MembershipFactory(organization=asking_org, user=newcomer)
    with pytest.raises(services.SsoError) as refused:
        ask(newcomer, asking_org)
    assert refused.value.code == "already_member"
    other = UserFactory(email="other@acme.test")
    Organization.objects.filter(pk=asking_org.pk).update(status=Organization.Status.SUSPENDED)
    with pytest.raises(services.SsoError):
        ask(other, asking_org)
    assert not JoinRequest.objects.exists()


def test_the_allowed_domains_policy_applies(asking_org, owner, newcomer):
    org_services.update_security_policy(
        org=asking_org,
        actor=owner,
        require_mfa=False,
        allowed_email_domains=["example.com"],
        session_lifetime_hours=None,
        reauthentication_minutes=None,
    )
    with pytest.raises(EmailDomainNotAllowed):
        ask(newcomer, asking_org)
    assert not JoinRequest.objects.exists()


def test_a_long_message_is_refused(asking_org, newcomer):
    with pytest.raises(services.SsoError) as refused:
        ask(newcomer, asking_org, message="x" * 501)
    assert refused.value.code == "message_too_long"


# --- deciding -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin_user"])
def test_owners_and_admins_approve(
    request, asking_org, newcomer, who, django_capture_on_commit_callbacks
):
    decider = request.getfixturevalue(who)
    join_request = ask(newcomer, asking_org)
    mail.outbox.clear()
    used = seats.usage(asking_org, seats.USERS).used
    with django_capture_on_commit_callbacks(execute=True):
        decided = join_requests.approve_join_request(actor=decider, join_request=join_request)
    assert decided.status == JoinRequest.Status.APPROVED
    assert decided.decided_by == decider and decided.decided_at is not None
    membership = Membership.objects.get(organization=asking_org, user=newcomer)
    assert membership.role == Membership.Role.MEMBER
    assert membership.teams.filter(is_default=True).exists()
    assert seats.usage(asking_org, seats.USERS).used == used + 1
    (message,) = mail.outbox
    assert message.to == ["ada@acme.test"]
    assert message.subject == "You joined Acme Corporation"
    assert "/o/acme/" in message.body
    event = asking_org.audit_events.get(action="member.join_request_approve")
    assert event.actor == decider and event.target == "ada@acme.test"
    assert event.detail == {"role": "member", "request": join_request.pk}


def test_members_outsiders_and_anonymous_may_not_decide(
    asking_org, newcomer, member_user, outsider
):
    from django.contrib.auth.models import AnonymousUser

    join_request = ask(newcomer, asking_org)
    for actor in (member_user, outsider, AnonymousUser(), newcomer):
        for decide in (join_requests.approve_join_request, join_requests.decline_join_request):
            with pytest.raises(NotAllowed):
                decide(actor=actor, join_request=join_request)
    join_request.refresh_from_db()
    assert join_request.is_pending
    assert not Membership.objects.filter(organization=asking_org, user=newcomer).exists()


def test_no_seat_left_refuses_the_approval_clearly(asking_org, owner, newcomer):
    join_request = ask(newcomer, asking_org)
    Organization.objects.filter(pk=asking_org.pk).update(user_seat_limit=1)
    with pytest.raises(seats.SeatLimitExceeded) as refused:
        join_requests.approve_join_request(actor=owner, join_request=join_request)
    assert "No user seat is left in Acme Corporation" in refused.value.message
    assert "stays pending" in refused.value.message
    join_request.refresh_from_db()
    assert join_request.is_pending
    assert not Membership.objects.filter(organization=asking_org, user=newcomer).exists()
    assert not asking_org.audit_events.filter(action="member.join_request_approve").exists()


def test_decline_tells_the_requester(
    asking_org, admin_user, newcomer, django_capture_on_commit_callbacks
):
    join_request = ask(newcomer, asking_org)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decided = join_requests.decline_join_request(actor=admin_user, join_request=join_request)
    assert decided.status == JoinRequest.Status.DECLINED and decided.decided_by == admin_user
    assert not Membership.objects.filter(organization=asking_org, user=newcomer).exists()
    (message,) = mail.outbox
    assert message.to == ["ada@acme.test"]
    assert "declined" in message.subject
    event = asking_org.audit_events.get(action="member.join_request_decline")
    assert event.actor == admin_user and event.target == "ada@acme.test"


def test_a_decided_request_cannot_be_decided_again(asking_org, owner, newcomer):
    join_request = ask(newcomer, asking_org)
    join_requests.decline_join_request(actor=owner, join_request=join_request)
    for decide in (join_requests.approve_join_request, join_requests.decline_join_request):
        with pytest.raises(services.SsoError) as refused:
            decide(actor=owner, join_request=join_request)
        assert refused.value.code == "already_decided"
    assert not Membership.objects.filter(organization=asking_org, user=newcomer).exists()


def test_approving_someone_who_joined_meanwhile_takes_no_second_seat(asking_org, owner, newcomer):
    join_request = ask(newcomer, asking_org)
    MembershipFactory(organization=asking_org, user=newcomer)
    decided = join_requests.approve_join_request(actor=owner, join_request=join_request)
    assert decided.status == JoinRequest.Status.APPROVED
    assert Membership.objects.filter(organization=asking_org, user=newcomer).count() == 1
    event = asking_org.audit_events.get(action="member.join_request_approve")
    assert event.detail["already_member"] is True


def test_a_request_of_another_org_is_not_decided_here(asking_org, owner, newcomer):
    elsewhere = OrganizationFactory()
    foreign = JoinRequest.objects.create(
        organization=elsewhere, user=newcomer, email=newcomer.email
    )
    with pytest.raises(NotAllowed):
        join_requests.approve_join_request(actor=owner, join_request=foreign)
    foreign.refresh_from_db()
    assert foreign.is_pending


def test_auto_join_and_approval_share_the_member_helper(asking_org, owner, newcomer):
    """Auto-join still joins at once and writes its own event."""
    SsoPolicy.objects.filter(organization=asking_org).update(domain_join=SsoPolicy.DomainJoin.JOIN)
    services.join_by_verified_domain(org=asking_org, user=newcomer)
    assert asking_org.audit_events.filter(action="member.join_domain").exists()
    with pytest.raises(services.SsoError) as refused:
        services.add_domain_member(
            org=asking_org, user=newcomer, email=newcomer.email, actor=owner, event="x"
        )
    assert refused.value.code == "already_member"


# --- the pages ----------------------------------------------------------------------------


def login_page(org):
    return reverse("sso:org_login", kwargs={"org_name": org.name})


def test_the_login_page_offers_request_to_join_then_shows_it_pending(
    client_for, asking_org, newcomer
):
    client = client_for(newcomer)
    page = client.get(login_page(asking_org)).content.decode()
    assert 'data-testid="request-to-join"' in page
    assert 'data-testid="auto-join"' not in page
    response = client.post(
        reverse("sso:request_to_join", kwargs={"org_name": asking_org.name}),
        {"message": "Hello"},
        follow=True,
    )
    html = response.content.decode()
    assert "Your request to join Acme Corporation is pending" in html
    assert 'data-testid="join-request-pending"' in html
    assert 'data-testid="request-to-join"' not in html
    assert JoinRequest.objects.get().message == "Hello"


def test_the_login_page_offers_nothing_to_others(client_for, asking_org, member_user):
    for user in (UserFactory(email="eve@elsewhere.test"), member_user):
        page = client_for(user).get(login_page(asking_org)).content.decode()
        assert 'data-testid="request-to-join"' not in page
        response = client_for(user).post(
            reverse("sso:request_to_join", kwargs={"org_name": asking_org.name})
        )
        assert response.status_code == 404
    assert not JoinRequest.objects.exists()


def test_the_list_is_for_deciders(client_for, asking_org, owner, admin_user, member_user, outsider):
    assert client_for(owner).get(list_url(asking_org)).status_code == 200
    assert client_for(admin_user).get(list_url(asking_org)).status_code == 200
    assert client_for(member_user).get(list_url(asking_org)).status_code == 403
    assert client_for(outsider).get(list_url(asking_org)).status_code == 404


def test_the_list_shows_an_empty_state(client_for, asking_org, owner):
    page = client_for(owner).get(list_url(asking_org)).content.decode()
    assert 'data-testid="empty-state"' in page and "No request to join is waiting." in page


def test_approve_from_the_list(client_for, asking_org, owner, newcomer):
    join_request = ask(newcomer, asking_org)
    client = client_for(owner)
    page = client.get(list_url(asking_org)).content.decode()
    assert 'data-email="ada@acme.test"' in page
    assert client.get(approve_url(join_request)).status_code == 405
    response = client.post(approve_url(join_request), follow=True)
    assert "ada@acme.test joined Acme Corporation." in response.content.decode()
    assert Membership.objects.filter(organization=asking_org, user=newcomer).exists()
    decided = client.get(list_url(asking_org) + "?status=approved").content.decode()
    assert 'data-email="ada@acme.test"' in decided and f"by {owner.email}" in decided


def test_no_seat_is_a_message_on_the_list(client_for, asking_org, owner, newcomer):
    join_request = ask(newcomer, asking_org)
    Organization.objects.filter(pk=asking_org.pk).update(user_seat_limit=1)
    response = client_for(owner).post(approve_url(join_request), follow=True)
    assert "No user seat is left" in response.content.decode()
    assert JoinRequest.objects.get().is_pending


def test_decline_asks_to_confirm(client_for, asking_org, admin_user, newcomer):
    join_request = ask(newcomer, asking_org, message="Let me in")
    client = client_for(admin_user)
    confirm = client.get(decline_url(join_request))
    assert confirm.status_code == 200
    assert "Decline the request from ada@acme.test?" in confirm.content.decode()
    assert JoinRequest.objects.get().is_pending
    response = client.post(decline_url(join_request), follow=True)
    assert "The request from ada@acme.test was declined." in response.content.decode()
    assert JoinRequest.objects.get().status == JoinRequest.Status.DECLINED
    again = client.get(decline_url(join_request), follow=True)
    assert "was already declined" in again.content.decode()


def test_a_member_may_not_decide_through_the_pages(client_for, asking_org, member_user, newcomer):
    join_request = ask(newcomer, asking_org)
    client = client_for(member_user)
    assert client.post(approve_url(join_request)).status_code == 403
    assert client.get(decline_url(join_request)).status_code == 403
    assert client.post(decline_url(join_request)).status_code == 403
    assert JoinRequest.objects.get().is_pending


def test_hostile_text_is_escaped_everywhere(client_for, asking_org, owner):
    hostile = UserFactory(email="mallory@acme.test", first_name=HOSTILE, last_name=HOSTILE)
    join_request = ask(hostile, asking_org, message=HOSTILE)
    client = client_for(owner)
    for url in (list_url(asking_org), decline_url(join_request)):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page, url
    email = OutboxEmail.objects.get(template="join_request", recipient=owner.email)
    assert "<script>alert" not in email.body_html
    pending = client_for(hostile).get(login_page(asking_org)).content.decode()
    assert "<script>alert" not in pending


def test_the_list_queries_stay_flat(client_for, asking_org, owner, django_assert_max_num_queries):
    for i in range(30):
        ask(UserFactory(email=f"person{i}@acme.test"), asking_org, message=f"hi {i}")
    client = client_for(owner)
    with django_assert_max_num_queries(8):
        response = client.get(list_url(asking_org))
    assert response.content.decode().count('data-testid="join-request-row"') == 30
    for join_request in JoinRequest.objects.all()[:10]:
        join_requests.decline_join_request(actor=owner, join_request=join_request)
    with django_assert_max_num_queries(8):
        response = client.get(list_url(asking_org) + "?status=declined")
    assert response.content.decode().count('data-testid="join-request-row"') == 10


def test_the_list_is_paginated(client_for, asking_org, owner):
    for i in range(52):
        JoinRequest.objects.create(
            organization=asking_org,
            user=UserFactory(email=f"p{i}@acme.test"),
            email=f"p{i}@acme.test",
        )
    client = client_for(owner)
    first = client.get(list_url(asking_org)).content.decode()
    assert first.count('data-testid="join-request-row"') == 50
    second = client.get(list_url(asking_org) + "?page=2").content.decode()
    assert second.count('data-testid="join-request-row"') == 2


def test_the_members_page_links_to_the_requests_with_the_count(
    client_for, asking_org, owner, member_user, newcomer, django_assert_max_num_queries
):
    ask(newcomer, asking_org)
    members = reverse("organizations:members", kwargs={"org_name": asking_org.name})
    page = client_for(owner).get(members).content.decode()
    assert 'data-testid="join-requests-link"' in page
    assert 'href="/o/acme/members/join-requests/"' in page
    assert '<span class="badge text-bg-primary">1</span>' in page
    assert 'data-testid="join-requests-link"' not in (
        client_for(member_user).get(members).content.decode()
    )
    SsoPolicy.objects.update(domain_join=SsoPolicy.DomainJoin.OFF)
    JoinRequest.objects.update(status=JoinRequest.Status.DECLINED)
    assert 'data-testid="join-requests-link"' not in (
        client_for(owner).get(members).content.decode()
    )


def test_the_link_hook_is_one_query(asking_org, owner, django_assert_num_queries):
    from organizations import hooks
    from organizations.selectors import membership_for

    membership = membership_for(owner, asking_org.name)
    with django_assert_num_queries(1):
        (link,) = hooks.member_list_links(org=asking_org, membership=membership)
    assert link.label == "Join requests" and link.count == 0


def test_the_audit_log_offers_the_join_request_actions():
    from organizations import audit_log

    assert {
        "member.join_request",
        "member.join_request_approve",
        "member.join_request_decline",
    } <= set(audit_log.KNOWN_ACTIONS)

"""The per-organization security policy: organizations/security.py, services/security.py,
views/security.py and the gate in mixins.py."""

import time

import pytest
import time_machine
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import OutboxEmail
from organizations import security, services
from organizations.errors import NotAllowed
from organizations.models import AuditEvent, Membership, SecurityPolicy

from ..factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from ..test_isolation import (
    NO_FOREIGN,
    db_snapshot,
    foreign_kwargs,
    hostile_post_data,
    make_foreign,
)

pytestmark = pytest.mark.django_db

Role = Membership.Role
SECRET = "JBSWY3DPEHPK3PXP"


def give_mfa(user):
    TOTP.activate(user, SECRET)


def reauthenticated(client, user):
    """`client`, signed in as `user` who has just entered their password again."""
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def set_policy(org, **values):
    fields = {
        "require_mfa": False,
        "allowed_email_domains": [],
        "session_lifetime_hours": None,
        "reauthentication_minutes": None,
        **values,
    }
    return SecurityPolicy.objects.update_or_create(organization=org, defaults=fields)[0]


def org_url_names():
    """Every URL of the isolation walk that names an org by `org_name`."""
    return sorted(
        name for name, kwargs in foreign_kwargs(NO_FOREIGN).items() if "org_name" in kwargs
    )


# --- the service ----------------------------------------------------------------------


def _update(org, actor, **values):
    return services.update_security_policy(
        org=org,
        actor=actor,
        **{
            "require_mfa": False,
            "allowed_email_domains": [],
            "session_lifetime_hours": None,
            "reauthentication_minutes": None,
            **values,
        },
    )


def test_an_owner_sets_the_policy_and_each_change_is_audited(org, owner):
    give_mfa(owner)
    policy = _update(
        org,
        owner,
        require_mfa=True,
        allowed_email_domains=["Example.com", "@example.com", "corp.example.org."],
        session_lifetime_hours=8,
        reauthentication_minutes=15,
    )
    assert policy.require_mfa and policy.allowed_email_domains == [
        "example.com",
        "corp.example.org",
    ]
    event = AuditEvent.objects.get(action="org.security_policy_change")
    assert event.actor == owner
    assert event.detail["changed"]["require_mfa"] == {"from": False, "to": True}
    assert event.detail["changed"]["session_lifetime_hours"] == {"from": None, "to": 8}

    # Saving the same values again changes nothing and writes no event.
    _update(
        org,
        owner,
        require_mfa=True,
        allowed_email_domains=["example.com", "corp.example.org"],
        session_lifetime_hours=8,
        reauthentication_minutes=15,
    )
    assert AuditEvent.objects.filter(action="org.security_policy_change").count() == 1
    _update(
        org,
        owner,
        require_mfa=True,
        allowed_email_domains=["example.com", "corp.example.org"],
        session_lifetime_hours=None,
        reauthentication_minutes=15,
    )
    latest = AuditEvent.objects.filter(action="org.security_policy_change").first()
    assert latest.detail == {"changed": {"session_lifetime_hours": {"from": 8, "to": None}}}


def test_admins_and_members_may_not_change_the_policy(org, admin_user, member_user):
    for actor in (admin_user, member_user):
        with pytest.raises(NotAllowed):
            _update(org, actor, session_lifetime_hours=1)
    assert not SecurityPolicy.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"allowed_email_domains": ["not a domain"]}, "allowed_email_domains", "invalid_domain"),
        ({"allowed_email_domains": ["<b>x</b>"]}, "allowed_email_domains", "invalid_domain"),
        (
            {"allowed_email_domains": [f"d{i}.example.com" for i in range(21)] + ["example.com"]},
            "allowed_email_domains",
            "too_many_domains",
        ),
        ({"session_lifetime_hours": 0}, "session_lifetime_hours", "invalid_session_lifetime"),
        ({"session_lifetime_hours": 10**6}, "session_lifetime_hours", "invalid_session_lifetime"),
        (
            {"reauthentication_minutes": 0},
            "reauthentication_minutes",
            "invalid_reauthentication_window",
        ),
    ],
)
def test_bad_values_are_refused_on_their_field(org, owner, values, field, code):
    with pytest.raises(ValidationError) as refused:
        _update(org, owner, **values)
    assert [error.code for error in refused.value.error_dict[field]] == [code]
    assert not SecurityPolicy.objects.exists()


# --- the lock-out guard -----------------------------------------------------------------


def test_an_owner_without_mfa_cannot_require_it(org, owner):
    with pytest.raises(ValidationError) as refused:
        _update(org, owner, require_mfa=True)
    assert refused.value.error_dict["require_mfa"][0].code == "lockout_mfa"
    assert not SecurityPolicy.objects.exists()
    give_mfa(owner)
    assert _update(org, owner, require_mfa=True).require_mfa


def test_an_owner_cannot_exclude_their_own_verified_address(org, owner):
    # owner@example.com
    with pytest.raises(ValidationError) as refused:
        _update(org, owner, allowed_email_domains=["corp.example.org"])
    error = refused.value.error_dict["allowed_email_domains"][0]
    assert error.code == "lockout_domain"
    assert "owner@example.com" in error.message % error.params
    assert _update(org, owner, allowed_email_domains=["corp.example.org", "example.com"])


def test_an_unverified_address_does_not_count_for_the_guard(org):
    unverified_owner = UserFactory(email="boss@corp.example.org", verified=False)
    Membership.objects.create(organization=org, user=unverified_owner, role=Role.OWNER)
    with pytest.raises(ValidationError):
        _update(org, unverified_owner, allowed_email_domains=["corp.example.org"])


def test_the_lockout_guard_shows_on_the_fields_of_the_security_page(client, org, owner):
    reauthenticated(client, owner)
    url = reverse("organizations:security", args=[org.name])
    page = client.post(url, {"require_mfa": "on", "allowed_email_domains": "corp.example.org"})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.errors["require_mfa"][0].startswith("Set up two-factor authentication")
    assert "owner@example.com" in form.errors["allowed_email_domains"][0]
    assert not SecurityPolicy.objects.exists()


# --- the Security tab -------------------------------------------------------------------


def test_only_owners_open_the_security_tab(client_for, org, owner, admin_user, member_user):
    url = reverse("organizations:security", args=[org.name])
    assert client_for(admin_user).get(url).status_code == 403
    assert client_for(member_user).get(url).status_code == 403
    assert client_for(UserFactory()).get(url).status_code == 404
    page = client_for(owner).get(url)
    assert page.status_code == 200
    assert b'data-testid="security-policy-form"' in page.content
    # The tab shows in the org's navigation for owners only.
    assert (
        url.encode()
        in client_for(owner).get(reverse("organizations:members", args=[org.name])).content
    )
    assert (
        url.encode()
        not in client_for(admin_user).get(reverse("organizations:members", args=[org.name])).content
    )


def test_saving_the_policy_asks_for_the_password_again(client, org, owner):
    client.force_login(owner)
    url = reverse("organizations:security", args=[org.name])
    assert client.get(url).status_code == 200
    response = client.post(url, {"session_lifetime_hours": "8"})
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not SecurityPolicy.objects.exists()


def test_saving_the_security_page(client, org, owner):
    give_mfa(owner)
    # A session lifetime applies to this very session: it carries a sign-in time.
    reauthenticated(client, owner)
    url = reverse("organizations:security", args=[org.name])
    response = client.post(
        url,
        {
            "require_mfa": "on",
            "allowed_email_domains": "example.com\ncorp.example.org, @partner.example",
            "session_lifetime_hours": "12",
            "reauthentication_minutes": "30",
        },
    )
    assert response.status_code == 302 and response.url == url
    policy = SecurityPolicy.objects.get(organization=org)
    assert policy.allowed_email_domains == ["example.com", "corp.example.org", "partner.example"]
    assert (policy.session_lifetime_hours, policy.reauthentication_minutes) == (12, 30)
    page = client.get(url)
    assert "Security policy saved." in page.content.decode()
    assert page.context["form"].initial["allowed_email_domains"] == (
        "example.com\ncorp.example.org\npartner.example"
    )


@pytest.mark.parametrize(
    "data",
    [
        {"session_lifetime_hours": "abc"},
        {"session_lifetime_hours": "-1"},
        {"reauthentication_minutes": "99999999999999999999"},
        {"allowed_email_domains": "x" * 3000},
        {"allowed_email_domains": "exa mple..com"},
    ],
)
def test_bad_input_on_the_security_page_is_a_form_error(client, org, owner, data):
    response = reauthenticated(client, owner).post(
        reverse("organizations:security", args=[org.name]), data
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not SecurityPolicy.objects.exists()


def test_members_outside_the_allowed_domains_are_listed_not_removed(client_for, org, owner):
    outside = MembershipFactory(organization=org, user=UserFactory(email="<b>x</b>@gmail.com"))
    MembershipFactory(organization=org, user=UserFactory(email="ada@sub.example.com"))
    _update(org, owner, allowed_email_domains=["example.com"])
    page = client_for(owner).get(reverse("organizations:security", args=[org.name]))
    listed = [m.user.email for m in page.context["outside_members"]]
    assert listed == [outside.user.email]
    assert b"&lt;b&gt;x&lt;/b&gt;@gmail.com" in page.content
    assert b"<b>x</b>" not in page.content
    assert Membership.objects.filter(pk=outside.pk).exists()


def test_hostile_text_on_the_security_page_is_escaped(client, org, owner):
    payload = '"><script>alert(1)</script>'
    org.display_name = payload
    org.save()
    MembershipFactory(organization=org, user=UserFactory(first_name=payload))
    reauthenticated(client, owner)
    page = client.get(reverse("organizations:security", args=[org.name]))
    assert payload.encode() not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    posted = client.post(
        reverse("organizations:security", args=[org.name]),
        {"allowed_email_domains": payload},
    )
    assert posted.status_code == 200
    assert b"<script>alert(1)" not in posted.content
    members = client.get(reverse("organizations:members", args=[org.name]), {"mfa": "missing"})
    assert b"<script>alert(1)" not in members.content


# --- require MFA: the gate --------------------------------------------------------------


@pytest.fixture
def gated():
    """An org that requires MFA (with one of everything), and a member without MFA."""
    foreign = make_foreign()
    org = foreign["org"]
    set_policy(org, require_mfa=True)
    member = MembershipFactory(organization=org, role=Role.MEMBER).user
    return foreign, member


def _walk(client, foreign, method):
    kwargs_by_name = foreign_kwargs(foreign)
    for name in org_url_names():
        url = reverse(name, kwargs=kwargs_by_name[name])
        yield name, url, getattr(client, method)(url, hostile_post_data(foreign))


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_without_mfa_gets_nothing_of_the_org(client, gated, method):
    """Every org URL sends them to set up MFA, and no request changes anything."""
    foreign, member = gated
    client.force_login(member)
    before = db_snapshot()
    gate = reverse("organizations:mfa_required")
    walked = 0
    for name, _url, response in _walk(client, foreign, method):
        walked += 1
        assert response.status_code == 302, name
        assert response.url == gate, name
        assert foreign["org"].display_name.encode() not in response.content, name
    assert walked >= 35
    assert db_snapshot() == before


def test_after_set_up_every_org_url_lets_them_through(client, gated):
    foreign, member = gated
    give_mfa(member)
    client.force_login(member)
    gate = reverse("organizations:mfa_required")
    for name, _url, response in _walk(client, foreign, "get"):
        assert response.status_code < 500, name
        assert getattr(response, "url", None) != gate, name
    dashboard = client.get(reverse("organizations:dashboard", args=[foreign["org"].name]))
    assert dashboard.status_code == 200


def test_owners_and_admins_without_mfa_are_gated_too(client_for, org, owner, admin_user):
    give_mfa(owner)
    _update(org, owner, require_mfa=True)
    response = client_for(admin_user).get(reverse("organizations:members", args=[org.name]))
    assert response.url == reverse("organizations:mfa_required")
    assert (
        client_for(owner).get(reverse("organizations:members", args=[org.name])).status_code == 200
    )


def test_an_org_without_the_policy_stays_open(client, org, member_user):
    strict = OrganizationFactory(name="strict")
    set_policy(strict, require_mfa=True)
    MembershipFactory(organization=strict, user=member_user)
    client.force_login(member_user)
    assert client.get(reverse("organizations:dashboard", args=["strict"])).status_code == 302
    assert client.get(reverse("organizations:dashboard", args=[org.name])).status_code == 200


def test_the_gate_sends_them_back_where_they_were_after_set_up(client, org, owner, member_user):
    give_mfa(owner)
    _update(org, owner, require_mfa=True)
    client.force_login(member_user)
    teams = reverse("organizations:teams", args=[org.name]) + "?page=1"
    gate = client.get(teams)
    assert gate.url == reverse("organizations:mfa_required")
    page = client.get(gate.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Acme Corporation" in text and "requires two-factor authentication" in text
    assert reverse("mfa_activate_totp") in text
    # Elsewhere in the portal a banner leads back.
    elsewhere = client.get(reverse("organizations:list"))
    assert b'data-testid="mfa-gate-banner"' in elsewhere.content

    give_mfa(member_user)
    back = client.get(reverse("organizations:mfa_required"))
    assert back.status_code == 302 and back.url == teams
    assert client.get(teams).status_code == 200
    assert b"mfa-gate-banner" not in client.get(reverse("organizations:list")).content


def test_set_up_through_allauth_then_back_to_the_org(client, org, owner, member_user):
    """The real path: password, authenticator app, then the link back."""
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    from ..accounts.test_security import code_for

    give_mfa(owner)
    _update(org, owner, require_mfa=True)
    client.post(reverse("account_login"), {"login": member_user.email, "password": PASSWORD})
    dashboard = reverse("organizations:dashboard", args=[org.name])
    assert client.get(dashboard).url == reverse("organizations:mfa_required")
    client.get(reverse("mfa_activate_totp"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    done = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert done.status_code == 302
    codes_page = client.get(done.url)
    assert b'data-testid="mfa-gate-banner"' in codes_page.content
    assert client.get(reverse("organizations:mfa_required")).url == dashboard
    assert client.get(dashboard).status_code == 200


def test_the_gate_page_redirects_only_inside_the_site(client, member_user):
    give_mfa(member_user)
    client.force_login(member_user)
    session = client.session
    session[security.MFA_GATE_SESSION_KEY] = {
        "org": "x",
        "org_name": "x",
        "next": "https://evil.example/",
    }
    session.save()
    response = client.get(reverse("organizations:mfa_required"))
    assert response.url == reverse("organizations:list")


def test_the_gate_costs_no_query(client_for, org, owner, django_assert_num_queries):
    """The policy and the member's MFA come with the membership the mixin loads anyway."""
    client = client_for(owner)
    url = reverse("organizations:roles", args=[org.name])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as without_policy:
        client.get(url)
    give_mfa(owner)
    _update(org, owner, require_mfa=True, session_lifetime_hours=None)
    with CaptureQueriesContext(connection) as with_policy:
        assert client.get(url).status_code == 200
    assert len(with_policy) == len(without_policy)


# --- members page: who lacks MFA, the filter, reminders -----------------------------------


def test_owners_see_who_lacks_mfa_and_filter_by_it(client_for, org, owner, admin_user, member_user):
    give_mfa(owner)
    give_mfa(admin_user)
    client = client_for(owner)
    url = reverse("organizations:members", args=[org.name])
    page = client.get(url)
    rows = {m.user.email: m.user_has_mfa for m in page.context["members"]}
    assert rows == {owner.email: True, admin_user.email: True, member_user.email: False}
    assert b'data-testid="member-mfa"' in page.content
    missing = client.get(url, {"mfa": "missing"})
    assert [m.user.email for m in missing.context["members"]] == [member_user.email]
    assert b'data-testid="remind-all"' in missing.content
    enabled = client.get(url, {"mfa": "enabled"})
    assert {m.user.email for m in enabled.context["members"]} == {owner.email, admin_user.email}
    assert client.get(url, {"mfa": "bogus"}).context["member_count"] == 3
    # Admins and members see no MFA column and cannot filter by it.
    as_admin = client_for(admin_user).get(url, {"mfa": "missing"})
    assert b"member-mfa" not in as_admin.content
    assert as_admin.context["member_count"] == 3


def test_members_page_queries_stay_flat_with_the_mfa_column(
    client_for, org, owner, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(owner)
    url = reverse("organizations:members", args=[org.name])

    def count(**params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(captured)

    few = count()
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"bulk{i}@example.com") for i in range(120)
    )
    Membership.objects.bulk_create(Membership(organization=org, user=u) for u in users)
    for user in users[::3]:
        give_mfa(user)
    assert count() == few
    assert count(mfa="missing") == few
    with django_assert_max_num_queries(10):
        client.get(url, {"mfa": "missing"})


def test_a_reminder_goes_through_the_outbox_once_a_day(
    org, owner, admin_user, member_user, django_capture_on_commit_callbacks
):
    give_mfa(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.send_mfa_reminders(org=org, actor=owner)
    assert sorted(result["sent"]) == sorted([owner.email, member_user.email])
    emails = {row.recipient: row for row in OutboxEmail.objects.filter(template="mfa_reminder")}
    assert set(emails) == {owner.email, member_user.email}
    sent = {m.to[0]: m for m in mail.outbox}
    assert "Acme Corporation" in sent[member_user.email].subject
    assert reverse("mfa_index") in sent[member_user.email].body
    assert AuditEvent.objects.filter(action="member.mfa_reminder").count() == 2

    # Pressing again the same day sends nothing more.
    again = services.send_mfa_reminders(org=org, actor=owner)
    assert again["sent"] == [] and sorted(again["skipped"]) == sorted(result["sent"])
    assert OutboxEmail.objects.filter(template="mfa_reminder").count() == 2
    with time_machine.travel(time.time() + 25 * 3600):
        later = services.send_mfa_reminders(
            org=org, actor=owner, member_ids=[org.memberships.get(user=member_user).pk]
        )
    assert later["sent"] == [member_user.email]


def test_the_reminder_uses_an_edited_template(org, owner, member_user):
    from notifications.models import EmailTemplate

    EmailTemplate.objects.create(
        key="mfa_reminder",
        subject="MFA please, {{ recipient_name }}",
        body_text="Go to {{ setup_url }}",
        body_html="<p>Go to {{ setup_url }}</p>",
    )
    services.send_mfa_reminders(org=org, actor=owner)
    row = OutboxEmail.objects.get(recipient=member_user.email)
    assert row.subject == f"MFA please, {member_user.display_name}"


def test_remind_buttons_on_the_members_page(client_for, org, owner, member_user, admin_user):
    client = client_for(owner)
    url = reverse("organizations:mfa_reminders", args=[org.name])
    member = org.memberships.get(user=member_user)
    response = client.post(url, {"member": member.pk}, follow=True)
    assert OutboxEmail.objects.filter(template="mfa_reminder").count() == 1
    assert "Reminder sent to 1 member" in response.content.decode()
    again = client.post(url, {"member": member.pk}, follow=True)
    assert "Already reminded" in again.content.decode()
    client.post(url, {})
    assert OutboxEmail.objects.filter(template="mfa_reminder").count() == 3  # + owner, admin
    assert client.post(url, {"member": "x"}).status_code == 302
    assert client.get(url).status_code == 405
    assert client_for(admin_user).post(url, {}).status_code == 403
    assert OutboxEmail.objects.filter(template="mfa_reminder").count() == 3


# --- allowed domains: adding members ------------------------------------------------------


def test_add_member_refuses_an_address_outside_the_domains(org, owner):
    _update(org, owner, allowed_email_domains=["example.com"])
    with pytest.raises(services.EmailDomainNotAllowed) as refused:
        services.add_member(org=org, user=UserFactory(email="eve@gmail.com"), actor=owner)
    assert "@example.com" in refused.value.message and "eve@gmail.com" in refused.value.message
    assert refused.value.code == "domain_not_allowed"
    joined = services.add_member(org=org, user=UserFactory(email="ada@eu.example.com"), actor=owner)
    assert joined.pk


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("a@example.com", True),
        ("a@EXAMPLE.COM", True),
        ("a@eu.example.com", True),
        ("a@badexample.com", False),
        ("a@example.com.evil.test", False),
        ("example.com@evil.test", False),
        ("nobody", False),
    ],
)
def test_domain_rule(email, allowed):
    assert security.domain_allowed(["example.com"], email) is allowed
    assert security.domain_allowed([], email) is True


# --- session lifetime and the re-authentication window ------------------------------------


def _sign_in(client, user):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def test_the_session_lifetime_asks_for_the_password_again(client, org, owner):
    _update(org, owner, session_lifetime_hours=2)
    dashboard = reverse("organizations:dashboard", args=[org.name])
    with time_machine.travel("2026-12-02 08:00:00", tick=False):
        _sign_in(client, owner)
        assert client.get(dashboard).status_code == 200
    with time_machine.travel("2026-12-02 09:59:00", tick=False):
        assert client.get(dashboard).status_code == 200
    with time_machine.travel("2026-12-02 10:01:00", tick=False):
        expired = client.get(dashboard)
        assert expired.status_code == 302
        assert expired.url.startswith(reverse("account_reauthenticate"))
        # Other orgs and the rest of the portal are not affected.
        assert client.get(reverse("organizations:list")).status_code == 200
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        assert client.get(dashboard).status_code == 200
    with time_machine.travel("2026-12-02 11:59:00", tick=False):
        assert client.get(dashboard).status_code == 200


def test_a_session_with_no_sign_in_record_counts_as_expired(client_for, org, owner):
    _update(org, owner, session_lifetime_hours=24)
    response = client_for(owner).get(reverse("organizations:dashboard", args=[org.name]))
    assert response.url.startswith(reverse("account_reauthenticate"))


def _age_last_reauthentication(client, seconds):
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] -= seconds
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def test_the_reauthentication_window_is_the_orgs(client, org, owner):
    """Deleting the org asks for the password unless it was given within the window."""
    delete = reverse("organizations:delete", args=[org.name])
    _sign_in(client, owner)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(delete).status_code == 200
    # Today's default: five minutes.
    _age_last_reauthentication(client, 6 * 60)
    assert client.get(delete).url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    _update(org, owner, reauthentication_minutes=30)
    _age_last_reauthentication(client, 20 * 60)
    assert client.get(delete).status_code == 200
    _age_last_reauthentication(client, 11 * 60)
    assert client.get(delete).url.startswith(reverse("account_reauthenticate"))


def test_the_default_window_is_todays(settings, rf, owner, org):
    assert (
        security.reauthentication_seconds(None) == settings.ACCOUNT_REAUTHENTICATION_TIMEOUT == 300
    )
    assert security.reauthentication_seconds(org) == 300
    set_policy(org, reauthentication_minutes=2)
    org.refresh_from_db()
    assert security.reauthentication_seconds(org) == 120


# --- the admin: platform staff change a policy through the same service -------------------


def test_staff_lift_required_mfa_in_the_admin(client, org, owner):
    give_mfa(owner)
    policy = _update(org, owner, require_mfa=True)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:organizations_securitypolicy_change", args=[policy.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"allowed_email_domains": "not a domain", "require_mfa": ""})
    assert bad.status_code == 200 and "is not a domain name" in bad.content.decode()
    assert AuditEvent.objects.filter(action="org.security_policy_change").count() == 1
    response = client.post(url, {"allowed_email_domains": "", "session_lifetime_hours": "4"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert not policy.require_mfa and policy.session_lifetime_hours == 4
    event = AuditEvent.objects.filter(action="org.security_policy_change").first()
    assert event.actor == staff and set(event.detail["changed"]) == {
        "require_mfa",
        "session_lifetime_hours",
    }


def test_staff_without_the_permission_cannot_change_a_policy(org, owner):
    from ..factories import staff_with

    with pytest.raises(NotAllowed):
        _update(org, staff_with("approve_organization"), session_lifetime_hours=3)
    assert _update(org, staff_with("change_securitypolicy"), session_lifetime_hours=3).pk


def test_a_parents_owner_opening_a_child_that_requires_mfa_is_gated(client, org, owner):
    """Access inherited from a parent org meets the child's own policy."""
    child = services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Child",
        name="child",
        admin_email=owner.email,
        user_seats=2,
        device_seats=0,
    )
    parent_admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    set_policy(child, require_mfa=True)
    client.force_login(parent_admin)
    child_page = reverse("organizations:dashboard", args=[child.name])
    assert client.get(child_page).url == reverse("organizations:mfa_required")
    # The parent has no policy: it stays open.
    assert client.get(reverse("organizations:dashboard", args=[org.name])).status_code == 200
    give_mfa(parent_admin)
    assert client.get(child_page).status_code == 200

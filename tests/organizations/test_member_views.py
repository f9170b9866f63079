"""Members, roles, leaving and deleting, through the views, for each role."""

from html import escape

import pytest
from django.test import Client
from django.urls import reverse

from organizations import permissions
from organizations.models import AuditEvent, Membership, Organization

from ..factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

Role = Membership.Role


def url(name, org, **kwargs):
    return reverse(f"organizations:{name}", kwargs={"org_name": org.name, **kwargs})


def mid(org, user):
    return org.memberships.get(user=user).pk


def open_session(user):
    """A separate browser session of `user`, already signed in."""
    client = Client()
    client.force_login(user)
    return client


def reauthenticate(client):
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


# --- members page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("admin_user", 200), ("member_user", 200), ("outsider", 404)],
)
def test_members_page_by_role(request, client_for, org, who, status):
    response = client_for(request.getfixturevalue(who)).get(url("members", org))
    assert response.status_code == status


def test_members_page_shows_name_email_role_teams_joined(client_for, org, owner, member_user):
    member_user.first_name, member_user.last_name = "Ada", "Lovelace"
    member_user.save()
    response = client_for(owner).get(url("members", org))
    content = response.content.decode()
    assert "Ada Lovelace" in content and member_user.email in content
    assert "Everyone" in content  # the default team
    assert "initial owner" in content
    row = next(m for m in response.context["members"] if m.user == member_user)
    assert row.manageable
    assert content.count("Remove</a>") == 1  # the member; never yourself (the initial owner)


def test_members_page_hides_actions_from_members(client_for, org, member_user, admin_user):
    content = client_for(member_user).get(url("members", org)).content.decode()
    assert "Remove</a>" not in content and "Edit</a>" not in content


def test_admin_sees_actions_for_admins_and_members_only(client_for, org, admin_user, member_user):
    response = client_for(admin_user).get(url("members", org))
    manageable = {m.user.email for m in response.context["members"] if m.manageable}
    assert manageable == {member_user.email}


def test_members_search(client_for, org, owner):
    UserFactory  # noqa: B018
    ada = MembershipFactory(
        organization=org, user=UserFactory(first_name="Ada", last_name="Lovelace")
    )
    MembershipFactory(organization=org, user=UserFactory(first_name="Bob", last_name="Builder"))
    client = client_for(owner)
    for query in ("ada", "LOVELACE", "ada lovelace", ada.user.email.upper()):
        members = client.get(url("members", org), {"q": query}).context["members"]
        assert [m.user for m in members] == [ada.user], query
    response = client.get(url("members", org), {"q": "nobody-here"})
    assert "No member matches" in response.content.decode()


def test_members_page_paginates_by_50(client_for, org, owner):
    for _ in range(55):
        MembershipFactory(organization=org)
    client = client_for(owner)
    first = client.get(url("members", org))
    assert len(first.context["members"]) == 50
    assert first.context["paginator"].num_pages == 2
    assert len(client.get(url("members", org), {"page": 2}).context["members"]) == 6


# --- change role and name -----------------------------------------------------------------


def test_owner_promotes_member_and_it_applies_to_the_open_session(
    client_for, org, owner, member_user
):
    member_session = open_session(member_user)
    assert member_session.get(url("settings", org)).status_code == 403
    response = client_for(owner).post(
        url("member_edit", org, member_id=mid(org, member_user)),
        {"role": "admin", "first_name": "New", "last_name": "Name"},
    )
    assert response.status_code == 302 and response.url == url("members", org)
    assert member_session.get(url("settings", org)).status_code == 200
    member_user.refresh_from_db()
    assert member_user.get_full_name() == "New Name"


def test_demotion_applies_to_the_open_session(client_for, org, owner, admin_user):
    admin_session = open_session(admin_user)
    assert admin_session.get(url("audit", org)).status_code == 200
    client_for(owner).post(
        url("member_edit", org, member_id=mid(org, admin_user)),
        {"role": "member", "first_name": "", "last_name": ""},
    )
    assert admin_session.get(url("audit", org)).status_code == 403


def test_admin_role_choices_exclude_owner(client_for, org, admin_user, member_user):
    response = client_for(admin_user).get(url("member_edit", org, member_id=mid(org, member_user)))
    assert [v for v, _ in response.context["form"].fields["role"].choices] == ["admin", "member"]
    response = client_for(admin_user).post(
        url("member_edit", org, member_id=mid(org, member_user)),
        {"role": "owner", "first_name": "", "last_name": ""},
    )
    assert response.status_code == 200 and "role" in response.context["form"].errors
    assert org.memberships.get(user=member_user).role == "member"


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("owner", "owner", 403),  # yourself, the initial owner
        ("admin_user", "owner", 403),
        ("admin_user", "admin_user", 403),  # yourself
        ("member_user", "admin_user", 403),
        ("outsider", "member_user", 404),
    ],
)
def test_member_edit_refusals(request, client_for, org, who, target, status):
    client = client_for(request.getfixturevalue(who))
    target_id = mid(org, request.getfixturevalue(target))
    path = url("member_edit", org, member_id=target_id)
    assert client.get(path).status_code == status
    response = client.post(path, {"role": "member", "first_name": "X", "last_name": "Y"})
    assert response.status_code == status
    assert not AuditEvent.objects.filter(action__in=["member.role_change", "member.edit"]).exists()


def test_making_an_owner_asks_for_the_password(client_for, org, owner, member_user):
    client = client_for(owner)
    path = url("member_edit", org, member_id=mid(org, member_user))
    data = {"role": "owner", "first_name": "", "last_name": ""}
    response = client.post(path, data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert org.memberships.get(user=member_user).role == "member"
    reauthenticate(client)
    response = client.post(path, data)
    assert response.status_code == 302 and response.url == url("members", org)
    assert org.memberships.get(user=member_user).role == "owner"


# --- remove -------------------------------------------------------------------------------


def test_remove_asks_for_confirmation_then_ends_the_open_session(
    client_for, org, admin_user, member_user
):
    member_session = open_session(member_user)
    assert member_session.get(url("dashboard", org)).status_code == 200
    client = client_for(admin_user)
    path = url("member_remove", org, member_id=mid(org, member_user))
    confirm = client.get(path)
    assert confirm.status_code == 200 and "Remove member" in confirm.content.decode()
    assert org.memberships.filter(user=member_user).exists()
    response = client.post(path, follow=True)
    assert "was removed" in response.content.decode()
    assert not org.memberships.filter(user=member_user).exists()
    for name in ("dashboard", "members", "teams", "structure"):
        assert member_session.get(url(name, org)).status_code == 404
    event = AuditEvent.objects.get(action="member.remove")
    assert event.actor == admin_user and event.target == member_user.email


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("owner", "owner", 403),
        ("admin_user", "owner", 403),
        ("member_user", "admin_user", 403),
        ("outsider", "member_user", 404),
    ],
)
def test_remove_refusals(request, client_for, org, who, target, status):
    client = client_for(request.getfixturevalue(who))
    target_id = mid(org, request.getfixturevalue(target))
    path = url("member_remove", org, member_id=target_id)
    assert client.get(path).status_code == status
    assert client.post(path).status_code == status
    assert Membership.objects.filter(pk=target_id).exists()


def test_removing_an_owner_asks_for_the_password(client_for, org, owner):
    other = MembershipFactory(organization=org, role=Role.OWNER)
    client = client_for(owner)
    path = url("member_remove", org, member_id=other.pk)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert Membership.objects.filter(pk=other.pk).exists()
    # After the password, allauth replays the suspended POST.
    client.post(reverse("account_reauthenticate") + "?next=" + path, {"password": PASSWORD})
    assert not Membership.objects.filter(pk=other.pk).exists()


def test_remove_needs_csrf(org, admin_user, member_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(url("member_remove", org, member_id=mid(org, member_user)))
    assert response.status_code == 403
    assert org.memberships.filter(user=member_user).exists()


# --- leave --------------------------------------------------------------------------------


def test_leave_from_the_list_and_the_dashboard(client_for, org, member_user):
    client = client_for(member_user)
    assert url("leave", org) in client.get(reverse("organizations:list")).content.decode()
    assert url("leave", org) in client.get(url("dashboard", org)).content.decode()
    assert "Yes, leave" in client.get(url("leave", org)).content.decode()
    response = client.post(url("leave", org))
    assert response.url == reverse("organizations:list")
    assert not org.memberships.filter(user=member_user).exists()
    assert client.get(url("dashboard", org)).status_code == 404
    assert AuditEvent.objects.get(action="member.leave").actor == member_user


def test_initial_owner_is_not_offered_leave_and_cannot(client_for, org, owner):
    client = client_for(owner)
    assert url("leave", org) not in client.get(reverse("organizations:list")).content.decode()
    assert url("leave", org) not in client.get(url("dashboard", org)).content.decode()
    page = client.get(url("leave", org))
    assert page.status_code == 403
    text = page.content.decode()
    assert "You can't leave" in text and "initial owner" in text
    assert url("delete", org) in text
    assert client.post(url("leave", org)).status_code == 403
    assert org.memberships.filter(user=owner).exists()


# --- delete -------------------------------------------------------------------------------


def test_delete_asks_for_the_password_first(client_for, org, owner):
    client = client_for(owner)
    response = client.get(url("delete", org))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    response = client.post(url("delete", org), {"confirm_name": "acme"})
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert Organization.objects.filter(name="acme").exists()


def test_delete_after_reauthentication(client_for, org, owner, member_user):
    client = client_for(owner)
    assert url("delete", org) in client.get(url("settings", org)).content.decode()
    reauthenticate(client)
    page = client.get(url("delete", org))
    assert page.status_code == 200
    assert dict(page.context["summary"].rows())["Members"] == 2
    wrong = client.post(url("delete", org), {"confirm_name": "Acme"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert Organization.objects.filter(name="acme").exists()
    response = client.post(url("delete", org), {"confirm_name": "acme"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("organizations:list")
    assert "were deleted" in response.content.decode()
    assert not Organization.objects.filter(name="acme").exists()
    assert AuditEvent.objects.filter(org_name="acme", action="org.delete").exists()


def test_reauthentication_replays_the_delete(client_for, org, owner):
    client = client_for(owner)
    client.post(url("delete", org), {"confirm_name": "acme"})
    response = client.post(
        reverse("account_reauthenticate") + "?next=" + url("delete", org), {"password": PASSWORD}
    )
    assert response.status_code == 302
    assert not Organization.objects.filter(name="acme").exists()


@pytest.mark.parametrize(
    ("who", "status"), [("admin_user", 403), ("member_user", 403), ("outsider", 404)]
)
def test_only_owners_reach_delete(request, client_for, org, who, status):
    client = client_for(request.getfixturevalue(who))
    reauthenticate(client)
    assert client.get(url("delete", org)).status_code == status
    assert client.post(url("delete", org), {"confirm_name": "acme"}).status_code == status
    assert Organization.objects.filter(name="acme").exists()


# --- roles page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "column"),
    [("owner", "Initial owner"), ("admin_user", "Admin"), ("member_user", "Member")],
)
def test_roles_page_is_generated_from_the_matrix(request, client_for, org, who, column):
    response = client_for(request.getfixturevalue(who)).get(url("roles", org))
    content = response.content.decode()
    assert response.context["your_column"] == column
    for rule in permissions.RULES:
        assert escape(rule.label) in content
    rows = dict(response.context["rule_rows"])
    assert rows[permissions.RULES_BY_ACTION["org.leave"].label] == [False, True, True, True]


def test_tabs_follow_permissions(client_for, org, owner, member_user):
    owner_page = client_for(owner).get(url("dashboard", org)).content.decode()
    for name in ("members", "teams", "structure", "roles", "settings", "audit"):
        assert url(name, org) in owner_page
    member_page = client_for(member_user).get(url("dashboard", org)).content.decode()
    assert url("members", org) in member_page and url("settings", org) not in member_page

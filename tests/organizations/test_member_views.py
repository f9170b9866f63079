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


@pytest.mark.needs_postgres
@pytest.mark.parametrize("search", ["m99", "ada lovelace"])
def test_member_search_reads_the_users_trigram_indexes(org, search):
    """On PostgreSQL a search reads the trigram indexes of accounts' migration 0004, the
    three fields in one BitmapOr (per word), not every user of the platform: the
    indexes' expressions are exactly those Django's `icontains` writes."""
    from organizations.selectors import members_of

    from ..plans import generic_plan

    MembershipFactory(organization=org)
    found = members_of(org, search=search)
    for query in (found.order_by(), found[:51]):  # the count, the page
        plan = generic_plan(query, bitmap_scans_only=True)
        assert "BitmapOr" in plan and "Seq Scan on accounts_user" not in plan, plan
        for field in ("email", "first_name", "last_name"):
            assert f"Bitmap Index Scan on accounts_user_{field}_upper_trgm" in plan, plan


@pytest.mark.needs_postgres
def test_a_member_search_is_planned_for_its_words_each_time(
    client_for, org, owner, prepared_statements
):
    """The generic plan of a prepared search reads every member of a large org; a search
    is planned for its org and words on every run (config/planning.py)."""
    client = client_for(owner)
    for _ in range(2):
        assert client.get(url("members", org)).status_code == 200
        assert client.get(url("members", org), {"q": "example"}).status_code == 200
    held = prepared_statements()
    lists = [sql for sql in held if 'FROM "organizations_membership"' in sql]
    assert lists, held  # the list itself is prepared
    assert not [sql for sql in lists if "LIKE" in sql], lists
    assert client.get(url("members", org), {"q": "example"}).context["member_count"] == 1
    assert [sql for sql in prepared_statements() if "LIKE" in sql] == []


# --- members page: keyset pages ------------------------------------------------------------


@pytest.fixture
def crowd(org):
    """150 more members of `org`, created in another order than their emails'; four in
    five are called "Searchable", every other one has two-factor authentication."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.bulk_create(
        get_user_model()(
            email=f"p{(i * 37) % 150:03d}.{i}@example.com",
            first_name="Searchable" if i % 5 else f"Name{i}",
            last_name=f"L{i}",
        )
        for i in range(150)
    )
    Membership.objects.bulk_create(Membership(organization=org, user=user) for user in users)
    Authenticator.objects.bulk_create(
        Authenticator(user=user, type=Authenticator.Type.TOTP, data={}) for user in users[1::2]
    )
    return users


def emails_in_order(org, **filters):
    found = Membership.objects.filter(organization=org, **filters).order_by("user__email")
    return list(found.values_list("user__email", flat=True))


def walk(client, org, step, params, django_assert_max_num_queries):
    """Every page from `params` on, following the `step` ("next" or "previous") link; the
    emails of each page, and the last response."""
    pages = []
    while True:
        with django_assert_max_num_queries(10):
            response = client.get(url("members", org), params)
        assert response.status_code == 200
        pages.append([m.user.email for m in response.context["members"]])
        cursor = getattr(response.context["page"], step)
        if cursor is None:
            return pages, response
        kept = {key: value for key, value in params.items() if key in ("q", "mfa")}
        params = {**kept, ("after" if step == "next" else "before"): cursor}


@pytest.mark.parametrize(
    ("params", "filters"),
    [
        ({}, {}),
        ({"q": "searchable"}, {"user__first_name": "Searchable"}),
        ({"mfa": "enabled"}, {"user__authenticator__isnull": False}),
        ({"mfa": "missing", "q": "example"}, {"user__authenticator__isnull": True}),
    ],
)
def test_pages_walk_every_member_once_in_order_both_ways(
    client_for, org, owner, crowd, django_assert_max_num_queries, params, filters
):
    expected = emails_in_order(org, **filters)
    assert len(expected) > 70  # two pages at least
    client = client_for(owner)
    forward, last = walk(client, org, "next", params, django_assert_max_num_queries)
    assert [email for page in forward for email in page] == expected
    assert all(len(page) == 50 for page in forward[:-1])
    assert last.context["member_count"] == len(expected)
    backward, first = walk(
        client, org, "previous", {**params, "page": "last"}, django_assert_max_num_queries
    )
    assert [email for page in reversed(backward) for email in page] == expected
    assert backward[0] == expected[-50:]
    text = first.content.decode()
    assert f"{len(expected)} members" in text
    # The links keep the search and the filter.
    for key, value in params.items():
        assert f"{key}={value}" in text


def test_first_previous_next_and_last_links(client_for, org, owner, crowd):
    client = client_for(owner)
    everyone = emails_in_order(org)
    first = client.get(url("members", org))
    text = first.content.decode()
    assert 'data-testid="page-next"' in text and 'data-testid="page-last"' in text
    assert 'data-testid="page-first"' not in text and 'data-testid="page-previous"' not in text
    assert "151 members" in text
    last = client.get(url("members", org), {"page": "last"})
    assert [m.user.email for m in last.context["members"]] == everyone[-50:]
    text = last.content.decode()
    assert 'data-testid="page-next"' not in text and 'data-testid="page-last"' not in text
    first_link = url("members", org)
    assert f'href="{first_link}" data-testid="page-first"' in text
    # Small orgs show no page links at all.
    Membership.objects.filter(organization=org).exclude(user=owner).delete()
    assert "pagination" not in client.get(url("members", org)).content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"after": "garbage"},
        {"before": "garbage"},
        {"after": "eyJhIjoxfQ"},  # JSON of the wrong shape
        {"before": "WyJceDAwIl0"},
        {"after": "A" * 5000},
        {"after": "%00"},
        {"page": "2"},  # a page number bookmarked before pages had cursors
        {"page": "1"},
        {"page": "999999"},
        {"page": "x"},
        {"page": ["last", "2"]},
    ],
)
def test_malformed_cursors_and_old_page_numbers_give_the_first_page(
    client_for, org, owner, crowd, params
):
    response = client_for(owner).get(url("members", org), params)
    assert response.status_code == 200
    assert [m.user.email for m in response.context["members"]] == emails_in_order(org)[:50]


def test_a_cursor_past_the_end_gives_the_last_page(client_for, org, owner, crowd):
    from organizations.selectors import MEMBER_ORDER

    client = client_for(owner)
    last = client.get(url("members", org), {"page": "last"})
    final_row = last.context["members"][-1]
    stale = MEMBER_ORDER.cursor(final_row)
    final_row.user.delete()  # the member the cursor named, and everything after it, left
    response = client.get(url("members", org), {"after": stale})
    assert [m.user.email for m in response.context["members"]] == emails_in_order(org)[-50:]


def test_member_names_with_html_stay_text_on_every_page(client_for, org, owner, crowd):
    payload = '<script>alert("x")</script>'
    user = crowd[0]
    user.first_name, user.last_name = payload, "<b>bold</b>"
    user.save()
    client = client_for(owner)
    for params in ({"page": "last"}, {}, {"q": payload}, {"q": "Name"}):
        text = client.get(url("members", org), params).content.decode()
        assert payload not in text and "<b>bold</b>" not in text
    found = client.get(url("members", org), {"q": "<script>"})
    assert [m.user for m in found.context["members"]] == [user]
    assert escape(payload) in found.content.decode()


def test_member_pages_cost_the_same_queries_for_1_or_60_members(
    client_for, org, owner, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(owner)

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("members", org), params)
        assert response.status_code == 200
        return len(captured), response

    alone, _ = queries()
    alone_last, _ = queries(page="last")
    for i in range(59):
        MembershipFactory(organization=org, user=UserFactory(email=f"m{i:02d}@example.com"))
    crowded, first = queries()
    assert crowded == alone and queries(page="last")[0] == alone_last
    assert queries(after=first.context["page"].next)[0] == crowded
    assert queries(q="m", mfa="missing")[0] <= crowded
    assert crowded <= 10


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

import pytest
from django.urls import reverse

from organizations.models import AuditEvent, Membership, Organization

from ..factories import AuditEventFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def dashboard_url(org):
    return reverse("organizations:dashboard", kwargs={"org_name": org.name})


def settings_url(org):
    return reverse("organizations:settings", kwargs={"org_name": org.name})


def audit_url(org):
    return reverse("organizations:audit", kwargs={"org_name": org.name})


def settings_post(org, **overrides):
    data = {
        "display_name": org.display_name,
        "name": org.name,
        "org_type": org.org_type,
        "primary_email": org.primary_email,
        "logo_url": org.logo_url,
        "primary_color": org.primary_color,
        "page_background_color": org.page_background_color,
        "metadata-TOTAL_FORMS": "1",
        "metadata-INITIAL_FORMS": "0",
        "metadata-MIN_NUM_FORMS": "0",
        "metadata-MAX_NUM_FORMS": "26",
        "metadata-0-key": "",
        "metadata-0-value": "",
    }
    data.update(overrides)
    return data


# --- who sees what ---------------------------------------------------------------------

ROLE_EXPECTATIONS = [
    # role fixture, dashboard, settings, audit
    ("owner", 200, 200, 200),
    ("admin_user", 200, 200, 200),
    ("member_user", 200, 403, 403),
    ("outsider", 404, 404, 404),
]


@pytest.mark.parametrize(("who", "dashboard", "settings_page", "audit"), ROLE_EXPECTATIONS)
def test_org_pages_by_role(request, client_for, org, who, dashboard, settings_page, audit):
    client = client_for(request.getfixturevalue(who))
    assert client.get(dashboard_url(org)).status_code == dashboard
    assert client.get(settings_url(org)).status_code == settings_page
    assert client.get(audit_url(org)).status_code == audit


@pytest.mark.parametrize("url_for", [dashboard_url, settings_url, audit_url])
def test_anonymous_is_sent_to_login(client, org, url_for):
    response = client.get(url_for(org))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_member_cannot_post_settings(client_for, org, member_user):
    response = client_for(member_user).post(settings_url(org), settings_post(org, display_name="X"))
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.display_name == "Acme Corporation"


def test_unknown_org_is_404(client_for, owner):
    assert client_for(owner).get("/o/does-not-exist/").status_code == 404


def test_forbidden_page_explains(client_for, org, member_user):
    response = client_for(member_user).get(settings_url(org))
    assert b"does not allow" in response.content


# --- home, list and empty state ---------------------------------------------------------------


def test_home_for_anonymous_and_signed_in(client, client_for, owner):
    assert client.get("/").status_code == 200
    assert client_for(owner).get("/").url == reverse("organizations:list")


def test_empty_state_for_new_user(client_for, db):
    response = client_for(UserFactory()).get(reverse("organizations:list"))
    assert "You don't belong to an organization yet — create one" in response.content.decode()
    assert reverse("organizations:create") in response.content.decode()


def test_list_shows_each_org_with_role(client_for, org, owner):
    other = OrganizationFactory(display_name="Beta Org")
    MembershipFactory(organization=other, user=owner, role=Membership.Role.MEMBER)
    response = client_for(owner).get(reverse("organizations:list"))
    content = response.content.decode()
    assert "Acme Corporation" in content and "Beta Org" in content
    rows = {m.organization.name: m for m in response.context["memberships"]}
    assert rows["acme"].role == "owner" and rows["acme"].member_count == 1
    assert rows[other.name].role == "member" and rows[other.name].member_count == 2


def test_switcher_lists_orgs_and_create_link(client_for, org, owner):
    response = client_for(owner).get(dashboard_url(org))
    content = response.content.decode()
    assert 'data-testid="org-switcher"' in content
    assert "+ Create organization" in content
    assert dashboard_url(org) in content


# --- create ----------------------------------------------------------------------------


def test_create_page_requires_login(client):
    response = client.get(reverse("organizations:create"))
    assert response.status_code == 302


def test_unverified_user_is_sent_to_verify(client_for, db):
    user = UserFactory(verified=False)
    response = client_for(user).get(reverse("organizations:create"))
    assert response.url == reverse("account_email")
    response = client_for(user).post(reverse("organizations:create"), {"display_name": "X"})
    assert response.url == reverse("account_email")
    assert not Organization.objects.exists()


def test_create_organization_through_the_form(client_for, db, auto_approve):
    user = UserFactory()
    client = client_for(user)
    response = client.post(
        reverse("organizations:create"),
        {
            "display_name": "New Org",
            "name": "new-org",
            "org_type": "education",
            "primary_email": "",
        },
        follow=True,
    )
    org = Organization.objects.get(name="new-org")
    assert response.redirect_chain[-1][0] == dashboard_url(org)
    assert "Organization “New Org” created." in response.content.decode()
    assert org.created_by == user and org.org_type == "education"
    assert response.context["membership"].role == "owner"


def test_create_suggests_name_when_left_blank(client_for, db):
    client = client_for(UserFactory())
    client.post(reverse("organizations:create"), {"display_name": "Blank Name Org", "name": ""})
    assert Organization.objects.filter(name="blank-name-org").exists()


def test_taken_name_error_is_shown_next_to_the_field(client_for, org):
    client = client_for(UserFactory())
    response = client.post(
        reverse("organizations:create"), {"display_name": "Copy", "name": "acme"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["This name is taken. Choose another one."]
    assert response.context["form"]["display_name"].value() == "Copy"
    assert Organization.objects.count() == 1


def test_invalid_name_error_is_shown(client_for, db):
    response = client_for(UserFactory()).post(
        reverse("organizations:create"), {"display_name": "Copy", "name": "Has Spaces"}
    )
    assert "name" in response.context["form"].errors
    assert not Organization.objects.exists()


# --- dashboard -----------------------------------------------------------------------------


def test_dashboard_shows_the_org(client_for, org, owner, member_user):
    response = client_for(owner).get(dashboard_url(org))
    content = response.content.decode()
    assert org.public_id in content and "Acme Corporation" in content
    assert response.context["member_count"] == 2
    seats = response.context["seat_usage"]["users"]
    assert (seats.used, seats.limit) == (2, org.user_seat_limit)
    assert 'data-testid="seats-devices"' in content
    assert "Owner (initial owner)" in content
    everyone = org.teams.get(is_default=True)
    assert [(t.name, t.member_count) for t in response.context["teams"]] == [
        ("Everyone", everyone.members.count())
    ]
    assert 'data-testid="all-teams"' not in content


# --- settings ------------------------------------------------------------------------------


def test_settings_save_every_field(client_for, org, admin_user):
    client = client_for(admin_user)
    data = settings_post(
        org,
        display_name="Acme Renamed",
        name="acme-renamed",
        org_type="non_profit",
        primary_email="contact@acme.test",
        logo_url="https://cdn.example.com/acme.png",
        primary_color="#1A73E8",
        page_background_color="#FAFAFA",
        **{
            "metadata-TOTAL_FORMS": "2",
            "metadata-0-key": "region",
            "metadata-0-value": "eu",
            "metadata-1-key": "tier",
            "metadata-1-value": "gold",
        },
    )
    response = client.post(settings_url(org), data, follow=True)
    org.refresh_from_db()
    assert response.redirect_chain[-1][0] == settings_url(org)
    assert "Organization settings saved." in response.content.decode()
    assert org.name == "acme-renamed" and org.display_name == "Acme Renamed"
    assert org.org_type == "non_profit" and org.primary_email == "contact@acme.test"
    assert org.logo_url == "https://cdn.example.com/acme.png"
    assert (org.primary_color, org.page_background_color) == ("#1A73E8", "#FAFAFA")
    assert org.metadata == {"region": "eu", "tier": "gold"}
    # Old URLs die with the old name.
    assert client.get("/o/acme/").status_code == 404
    assert client.get("/o/acme-renamed/").status_code == 200
    event = AuditEvent.objects.get(action="org.edit")
    assert event.actor == admin_user


def test_settings_remove_metadata_row(client_for, org, owner):
    org.metadata = {"a": "1", "b": "2"}
    org.save()
    data = settings_post(
        org,
        **{
            "metadata-TOTAL_FORMS": "3",
            "metadata-INITIAL_FORMS": "2",
            "metadata-0-key": "a",
            "metadata-0-value": "1",
            "metadata-0-DELETE": "on",
            "metadata-1-key": "b",
            "metadata-1-value": "2",
            "metadata-2-key": "",
            "metadata-2-value": "",
        },
    )
    client_for(owner).post(settings_url(org), data)
    org.refresh_from_db()
    assert org.metadata == {"b": "2"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"logo_url": "http://example.com/logo.png"}, "logo_url"),
        ({"primary_color": "#12"}, "primary_color"),
        ({"page_background_color": "white"}, "page_background_color"),
        ({"primary_email": "nope"}, "primary_email"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_settings_bad_input_errors_next_to_field(client_for, org, owner, overrides, field):
    response = client_for(owner).post(
        settings_url(org), settings_post(org, **{"display_name": "Changed", **overrides})
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    # What the user typed is kept on the page.
    for key, value in overrides.items():
        assert response.context["form"][key].value() == value
    org.refresh_from_db()
    assert org.display_name == "Acme Corporation"


def test_settings_taken_name(client_for, org, owner):
    OrganizationFactory(name="taken")
    response = client_for(owner).post(settings_url(org), settings_post(org, name="taken"))
    assert response.context["form"].errors["name"] == ["This name is taken. Choose another one."]


def test_settings_metadata_errors(client_for, org, owner):
    rows = {"metadata-TOTAL_FORMS": "26"}
    for i in range(26):
        rows[f"metadata-{i}-key"] = f"k{i}"
        rows[f"metadata-{i}-value"] = "v"
    response = client_for(owner).post(settings_url(org), settings_post(org, **rows))
    assert "At most 25 metadata pairs are allowed." in response.content.decode()
    org.refresh_from_db()
    assert org.metadata == {}

    duplicate = {
        "metadata-TOTAL_FORMS": "2",
        "metadata-0-key": "k",
        "metadata-0-value": "1",
        "metadata-1-key": "k",
        "metadata-1-value": "2",
    }
    response = client_for(owner).post(settings_url(org), settings_post(org, **duplicate))
    assert "This key is used twice." in response.content.decode()

    too_long = {"metadata-0-key": "k", "metadata-0-value": "v" * 256}
    response = client_for(owner).post(settings_url(org), settings_post(org, **too_long))
    assert response.context["formset"].errors[0]["value"]
    value_only = {"metadata-0-key": "", "metadata-0-value": "orphan"}
    response = client_for(owner).post(settings_url(org), settings_post(org, **value_only))
    assert response.context["formset"].errors[0]["key"] == ["Enter a key for this value."]


def test_settings_page_has_color_pickers_and_metadata_rows(client_for, org, owner):
    content = client_for(owner).get(settings_url(org)).content.decode()
    assert content.count("data-color-picker") == 2
    assert 'id="metadata-empty-row"' in content


# --- audit log -----------------------------------------------------------------------------


def test_audit_log_newest_first_and_paginated(client_for, org, owner):
    for i in range(60):
        AuditEventFactory(organization=org, action=f"test.{i:02d}", ip_address="192.0.2.1")
    client = client_for(owner)
    page1 = client.get(audit_url(org))
    events = list(page1.context["events"])
    assert len(events) == 50
    assert events[0].action == "test.59"
    older = page1.context["page"].next
    page2 = client.get(audit_url(org), {"before": older})
    assert [e.action for e in page2.context["events"]][-1] == "org.create"
    assert len(page2.context["events"]) == 11
    assert "192.0.2.1" in page1.content.decode()


def test_audit_log_shows_only_this_org(client_for, org, owner):
    other = OrganizationFactory()
    AuditEventFactory(organization=other, action="secret.other")
    content = client_for(owner).get(audit_url(org)).content.decode()
    assert "secret.other" not in content


def test_org_creation_is_rate_limited(client_for, monkeypatch):
    from organizations import ratelimits

    monkeypatch.setattr(ratelimits, "ORG_CREATE_LIMIT", 2)
    client = client_for(UserFactory())
    for i in range(2):
        client.post(reverse("organizations:create"), {"display_name": f"Org {i}"})
    response = client.post(reverse("organizations:create"), {"display_name": "One too many"})
    assert response.status_code == 200
    assert "try again in an hour" in response.content.decode()
    assert Organization.objects.count() == 2

"""An org's branding (colours, logo) on its own pages and on its invitees' pages:
organizations/templatetags/branding.py, templates/includes/branding.html and
invitations/context_processors.py."""

import pytest
from django.urls import reverse

from organizations.models import Organization
from organizations.templatetags.branding import css_color, rgb_triplet

from ..factories import invitation_with_token

pytestmark = pytest.mark.django_db

LOGO = "https://cdn.example.com/acme.png"


@pytest.fixture
def branded(org):
    Organization.objects.filter(pk=org.pk).update(
        primary_color="#1A73E8", page_background_color="#F0F4FF", logo_url=LOGO
    )
    org.refresh_from_db()
    return org


def test_only_a_hex_colour_reaches_the_style_sheet():
    assert css_color("#1A73E8") == "#1A73E8"
    assert rgb_triplet("#1A73E8") == "26, 115, 232"
    for hostile in ("red;}</style><script>alert(1)</script>", "#12345", "", None, "#1A73E8;"):
        assert css_color(hostile) == ""
        assert rgb_triplet(hostile) == ""


@pytest.mark.parametrize("page", ["dashboard", "members", "teams", "settings"])
def test_the_orgs_own_pages_wear_its_colours_and_logo(client_for, owner, branded, page):
    text = client_for(owner).get(reverse(f"organizations:{page}", args=[branded.name]))
    text = text.content.decode()
    assert 'data-testid="org-branding"' in text
    assert "--bs-primary: #1A73E8;" in text
    assert "--bs-primary-rgb: 26, 115, 232;" in text
    assert "--bs-body-bg: #F0F4FF;" in text
    assert 'data-testid="brand-logo"' in text and LOGO in text


def test_an_unbranded_org_and_the_pages_outside_orgs_keep_the_portals_look(
    client_for, owner, org, branded
):
    plain = Organization.objects.create(
        name="plain", display_name="Plain", created_by=owner, status="active"
    )
    plain.memberships.create(user=owner, role="owner")
    client = client_for(owner)
    assert (
        "org-branding"
        not in client.get(reverse("organizations:dashboard", args=["plain"])).content.decode()
    )
    assert "org-branding" not in client.get(reverse("organizations:list")).content.decode()


def test_a_stored_colour_that_is_not_one_never_reaches_the_page(client_for, owner, org):
    hostile = "red;}</style><script>alert(1)</script>"
    Organization.objects.filter(pk=org.pk).update(primary_color=hostile[:7])
    text = client_for(owner).get(reverse("organizations:dashboard", args=[org.name]))
    assert "org-branding" not in text.content.decode()


def test_the_invitees_sign_in_sign_up_and_accept_pages_wear_the_inviting_orgs_brand(
    client, branded
):
    _, token = invitation_with_token(organization=branded, email="new@example.com")
    accept = client.get(reverse("invitations:link", kwargs={"token": token}), follow=True)
    assert "--bs-primary: #1A73E8;" in accept.content.decode()
    for name in ("account_login", "account_signup"):
        text = client.get(reverse(name)).content.decode()
        assert "--bs-primary: #1A73E8;" in text, name
        assert LOGO in text, name
    # Away from the invitee's path, the portal's own look.
    assert "org-branding" not in client.get(reverse("home")).content.decode()


def test_without_an_invitation_the_sign_in_page_is_unbranded(client, branded):
    assert "org-branding" not in client.get(reverse("account_login")).content.decode()

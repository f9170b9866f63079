"""The top-bar switcher and "Your organizations" cost the same however many orgs the
user is in: organizations/selectors.py, organizations/recent.py, templates/base.html."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from organizations.models import Membership, Organization
from organizations.recent import RECENT_COOKIE
from organizations.selectors import SWITCHER_SIZE

pytestmark = pytest.mark.django_db

MANY = 60


@pytest.fixture
def many_orgs(owner, org):
    """`owner` also belongs to MANY other orgs, created in two queries."""
    orgs = Organization.objects.bulk_create(
        Organization(name=f"org-{i:03d}", display_name=f"Org {i:03d}", created_by=owner)
        for i in range(MANY)
    )
    Membership.objects.bulk_create(
        Membership(organization=o, user=owner, role=Membership.Role.MEMBER) for o in orgs
    )
    return orgs


def switcher_names(html: str) -> list[str]:
    menu = html[html.index('data-testid="switcher-menu"') :]
    menu = menu[: menu.index("</ul>")]
    return re.findall(r'href="/o/([^/]+)/"', menu)


def dashboard(org_name: str) -> str:
    return reverse("organizations:dashboard", args=[org_name])


def test_a_user_in_many_orgs_gets_the_page_weight_and_queries_of_a_user_in_one(
    client_for, owner, org, django_assert_max_num_queries
):
    client = client_for(owner)
    client.get(dashboard(org.name))
    with django_assert_max_num_queries(50) as few:
        small = client.get(dashboard(org.name))
    Organization.objects.bulk_create(
        Organization(name=f"more-{i:03d}", display_name=f"More {i:03d}", created_by=owner)
        for i in range(MANY)
    )
    Membership.objects.bulk_create(
        Membership(organization=o, user=owner, role=Membership.Role.MEMBER)
        for o in Organization.objects.filter(name__startswith="more-")
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = client.get(dashboard(org.name))
    assert len(switcher_names(large.content.decode())) == SWITCHER_SIZE
    # The switcher shows a fixed number of orgs, so the page weight does not grow.
    assert abs(len(large.content) - len(small.content)) < 2_000


def test_the_switcher_shows_the_orgs_opened_lately_first(client_for, owner, many_orgs):
    client = client_for(owner)
    for name in ("org-041", "org-007", "org-059"):
        client.get(dashboard(name))
    names = switcher_names(client.get(dashboard("org-059")).content.decode())
    assert names[:3] == ["org-059", "org-007", "org-041"]
    assert len(names) == SWITCHER_SIZE
    assert 'data-testid="switcher-search"' in client.get(dashboard("org-059")).content.decode()


def test_a_forged_or_foreign_recent_cookie_shows_nothing_it_should_not(
    client_for, owner, org, outsider
):
    secret = Organization.objects.create(
        name="secret", display_name="Secret Org", created_by=outsider
    )
    Membership.objects.create(organization=secret, user=outsider, role="owner")
    client = client_for(owner)
    client.cookies[RECENT_COOKIE] = f"{owner.pk}:secret,acme"
    text = client.get(reverse("organizations:list")).content.decode()
    assert "Secret Org" not in text
    outsider_client = Client()
    outsider_client.force_login(outsider)
    outsider_client.get(dashboard("secret"))
    cookie = outsider_client.cookies[RECENT_COOKIE].value
    client.cookies[RECENT_COOKIE] = cookie  # another user's cookie is ignored
    assert switcher_names(client.get(dashboard(org.name)).content.decode())[0] == "acme"


def test_your_organizations_searches_and_pages_keep_the_search(
    client_for, owner, many_orgs, django_assert_max_num_queries
):
    client = client_for(owner)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("organizations:list"), {"q": "Org 0"})
    text = page.content.decode()
    assert page.context["paginator"].count == MANY
    assert all(m.organization.name.startswith("org-") for m in page.context["memberships"])
    assert "q=Org+0&amp;page=2" in text or "q=Org%200&amp;page=2" in text
    second = client.get(reverse("organizations:list"), {"q": "Org 0", "page": 2})
    assert second.context["page_obj"].number == 2
    one = client.get(reverse("organizations:list"), {"q": "org-017"})
    assert [m.organization.name for m in one.context["memberships"]] == ["org-017"]
    none = client.get(reverse("organizations:list"), {"q": "<b>zzz</b>"}).content.decode()
    assert 'data-testid="no-match"' in none and "&lt;b&gt;zzz&lt;/b&gt;" in none
    assert client.get(reverse("organizations:list"), {"q": "a\x00b"}).status_code == 400


def test_without_recent_orgs_the_switcher_shows_the_first_orgs_joined_by_name(owner, many_orgs):
    """A user in many orgs sees the orgs they joined first (by name), not the first of
    a sort of every membership, which would grow with the number of orgs."""
    from organizations.selectors import switcher_memberships

    joined = Membership.objects.filter(user=owner).order_by("pk")
    first = [m.organization for m in joined.select_related("organization")[:SWITCHER_SIZE]]
    Organization.objects.filter(pk=first[0].pk).update(display_name="Zulu, joined first")
    names = [m.organization.name for m in switcher_memberships(owner)]
    expected = sorted(
        Organization.objects.filter(pk__in=[o.pk for o in first]),
        key=lambda o: o.display_name.casefold(),
    )
    assert names == [o.name for o in expected]
    assert names[-1] == first[0].name  # joined first, shown last: "Zulu" sorts last


@pytest.mark.needs_postgres
def test_the_switcher_reads_a_users_first_orgs_from_an_index(owner, many_orgs):
    """However many orgs the user is in, the fill is a short range of the (user, id)
    index, not a sort of every membership nor a walk of the whole membership table."""
    from organizations import statements

    from ..plans import generic_plan_of

    sql, _, _ = statements._switcher_statement(1, SWITCHER_SIZE)
    plan = generic_plan_of(sql, [owner.pk, "org-001", owner.pk])
    assert "membership_user_first" in plan, plan

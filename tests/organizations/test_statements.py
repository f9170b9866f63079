"""organizations/statements.py (and config/rows.py): the hand-written access and switcher
statements give what their querysets give, on SQLite and on PostgreSQL alike."""

import datetime

import pytest
from allauth.mfa.models import Authenticator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from organizations import hooks, selectors, statements
from organizations.models import Membership, Organization, SecurityPolicy, Team
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def field_values(instance) -> dict:
    """Every loaded field of `instance`, by attname."""
    if instance is None:
        return None
    deferred = instance.get_deferred_fields()
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.attname not in deferred
    }


def same_access(fast: Membership, slow: Membership) -> None:
    assert field_values(fast) == field_values(slow)
    assert field_values(fast.organization) == field_values(slow.organization)
    assert field_values(fast.organization.parent) == field_values(slow.organization.parent)
    fast_policy = getattr(fast.organization, "security_policy", None)
    slow_policy = getattr(slow.organization, "security_policy", None)
    assert field_values(fast_policy) == field_values(slow_policy)
    assert fast.user_has_mfa is slow.user_has_mfa
    assert not fast._state.adding and fast._state.db == slow._state.db


def test_a_plain_membership_loads_the_same_as_through_the_orm(
    owner, org, django_assert_num_queries
):
    with django_assert_num_queries(1):
        fast = statements.direct_membership(owner, org.name)
        # The org, its (missing) parent and (missing) policy came with it.
        assert fast.organization.parent is None
        assert not hasattr(fast.organization, "security_policy")
    same_access(fast, selectors.direct_membership_orm(owner, org.name))
    assert fast.role == Membership.Role.OWNER
    assert isinstance(fast.organization.metadata, dict)
    assert isinstance(fast.organization.created_at, datetime.datetime)


def test_a_child_with_a_policy_and_a_member_with_mfa_load_the_same(owner, org):
    child = Organization.objects.create(
        name="child", display_name="Child", kind="group", parent=org, created_by=owner
    )
    member = UserFactory()
    Membership.objects.create(organization=child, user=member, role=Membership.Role.ADMIN)
    SecurityPolicy.objects.create(
        organization=child, require_mfa=True, allowed_email_domains=["example.com"]
    )
    Authenticator.objects.create(user=member, type=Authenticator.Type.TOTP, data={})
    fast = statements.direct_membership(member, "child")
    same_access(fast, selectors.direct_membership_orm(member, "child"))
    assert fast.user_has_mfa is True
    assert fast.organization.parent.name == org.name
    assert fast.organization.security_policy.allowed_email_domains == ["example.com"]
    assert fast.organization.security_policy.organization is fast.organization
    assert fast.organization.security_policy.require_mfa is True


def test_no_membership_is_none_whoever_asks(owner, org, outsider):
    assert statements.direct_membership(outsider, org.name) is None
    assert statements.direct_membership(owner, "no-such-org") is None
    assert selectors.direct_membership_orm(outsider, org.name) is None


def test_membership_for_takes_the_orm_path_while_an_access_annotation_is_registered(owner, org):
    Team.objects.create(organization=org, name="Extra")

    def team_count(*, user, org_ref):
        teams = (
            Team.objects.filter(organization=OuterRef(org_ref))
            .order_by()
            .values("organization")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(teams), 0)

    hooks.register_access_annotation("team_count", team_count)
    try:
        access = selectors.membership_for(owner, org.name)
    finally:
        hooks.unregister_access_annotation("team_count")
    assert getattr(access, f"{hooks.ACCESS_STATE_PREFIX}team_count") == 2
    same_access(selectors.membership_for(owner, org.name), access)


@pytest.mark.parametrize("recent", [[], ["org-b"], ["org-c", "nope", "org-a"]])
def test_the_switcher_statement_orders_and_loads_as_the_queryset(owner, recent):
    for name, display in [("org-a", "Zed"), ("org-b", "Alpha"), ("org-c", "Alpha")]:
        OrganizationFactory(created_by=owner, name=name, display_name=display)
    MembershipFactory(user=UserFactory(), organization=Organization.objects.get(name="org-a"))
    fast = selectors.switcher_memberships(owner, recent_names=recent)
    slow = selectors.switcher_memberships_orm(owner, recent_names=recent)
    assert [m.organization.name for m in fast] == [m.organization.name for m in slow]
    for a, b in zip(fast, slow, strict=True):
        assert field_values(a) == field_values(b)
        assert field_values(a.organization) == field_values(b.organization)
        assert a.get_deferred_fields() == b.get_deferred_fields()


def test_the_switcher_statement_stops_at_its_size(owner):
    for i in range(selectors.SWITCHER_SIZE + 2):
        OrganizationFactory(created_by=owner, name=f"o-{i}", display_name=f"O {i}")
    names = [m.organization.name for m in selectors.switcher_memberships(owner)]
    assert names == [f"o-{i}" for i in range(selectors.SWITCHER_SIZE)]


def test_team_names_come_default_first_then_by_name_as_the_queryset_gives(org):
    members = [MembershipFactory(organization=org) for _ in range(3)]
    default = Team.objects.get(organization=org, is_default=True)
    zeta = Team.objects.create(organization=org, name="Zeta <b>")
    alpha = Team.objects.create(organization=org, name="Alpha")
    default.members.add(*members[:2])
    zeta.members.add(members[0], members[2])
    alpha.members.add(members[0])
    ids = [m.pk for m in members]
    expected = list(
        Team.members.through.objects.filter(membership_id__in=ids)
        .order_by("-team__is_default", "team__name")
        .values_list("membership_id", "team__name")
    )
    got = statements.team_names(ids)
    assert [tuple(row) for row in got] == expected
    assert [name for pk, name in got if pk == members[0].pk] == [default.name, "Alpha", "Zeta <b>"]
    assert statements.team_names([]) == []


def test_users_with_mfa_names_only_those_with_an_mfa_authenticator(org):
    with_totp, with_codes_only, without = UserFactory(), UserFactory(), UserFactory()
    Authenticator.objects.create(user=with_totp, type=Authenticator.Type.TOTP, data={})
    Authenticator.objects.create(
        user=with_codes_only, type=Authenticator.Type.RECOVERY_CODES, data={}
    )
    ids = {with_totp.pk, with_codes_only.pk, without.pk}
    expected = set(
        Authenticator.objects.filter(user_id__in=ids, type__in=statements.MFA_TYPES).values_list(
            "user_id", flat=True
        )
    )
    assert statements.users_with_mfa(ids) == expected
    assert with_totp.pk in expected and without.pk not in expected
    assert statements.users_with_mfa(set()) == set()


def test_the_first_teams_come_with_their_counts_as_the_queryset_gives(org):
    members = [MembershipFactory(organization=org) for _ in range(3)]
    Team.objects.create(organization=org, name="Zeta <b>").members.add(*members)
    Team.objects.create(organization=org, name="alpha")
    Team.objects.create(organization=org, name="Beta").members.add(members[0])
    other = OrganizationFactory(name="elsewhere")
    Team.objects.create(organization=other, name="Aardvark").members.add(
        MembershipFactory(organization=other)
    )
    for size in (1, 3, 10):
        fast = selectors.first_teams(org, size)
        slow = list(selectors.teams_with_counts(org)[:size])
        assert [(t.pk, t.name, t.member_count) for t in fast] == [
            (t.pk, t.name, t.member_count) for t in slow
        ]
        for a, b in zip(fast, slow, strict=True):
            assert field_values(a) == field_values(b)
    assert len(selectors.first_teams(org, 10)) == 4  # the default team and three

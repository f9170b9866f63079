"""The extension point other apps plug into: seat holders and on-member-removed handlers."""

from datetime import timedelta

import pytest
from django.db.models import IntegerField, Value
from django.utils import timezone

from organizations import hooks, seats, selectors, services
from organizations.models import AuditEvent, Membership

from ..factories import InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registry_restored():
    """Each test may register and unregister freely; the apps' entries come back after."""
    holders, handlers = dict(hooks._seat_holders), dict(hooks._member_removed)
    annotations, checks = dict(hooks._access_annotations), dict(hooks._access_checks)
    yield
    hooks._access_annotations.clear()
    hooks._access_annotations.update(annotations)
    hooks._access_checks.clear()
    hooks._access_checks.update(checks)
    hooks._seat_holders.clear()
    hooks._seat_holders.update(holders)
    hooks._member_removed.clear()
    hooks._member_removed.update(handlers)


def test_the_invitations_app_registers_its_hooks_when_ready():
    assert [holder.name for holder in hooks.seat_holders(hooks.USERS)] == ["invitations"]
    assert "invitations" in hooks._member_removed
    assert hooks.owner_inviter() is not None


def test_a_registered_seat_holder_takes_seats_and_unregistering_frees_them(org, owner):
    before = seats.usage(org, seats.USERS).used
    hooks.register_seat_holder(
        "tickets",
        held_count=lambda pool: 3 if pool.pk == org.pk else 0,
        annotation=lambda: Value(3, output_field=IntegerField()),
    )
    assert seats.usage(org, seats.USERS).used == before + 3
    assert seats.all_usage(org)[seats.USERS].used == before + 3
    assert seats.usage(org, seats.DEVICES).used == 0  # another resource: untouched
    hooks.unregister_seat_holder("tickets")
    assert seats.usage(org, seats.USERS).used == before


def test_a_seat_holder_can_fill_the_pool(org, owner):
    from organizations.models import Organization

    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)
    org.refresh_from_db()
    hooks.register_seat_holder(
        "tickets", held_count=lambda pool: 1, annotation=lambda: Value(1, IntegerField())
    )
    with pytest.raises(seats.SeatLimitExceeded):
        services.add_member(org=org, user=_user(), actor=owner)


def test_the_holders_annotation_reaches_the_child_list(org, owner):
    from organizations.models import Organization

    Organization.objects.filter(pk=org.pk).update(user_seat_limit=20)
    group = services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Group",
        admin_email=owner.email,
        user_seats=5,
        device_seats=0,
    )
    InvitationFactory(organization=group)
    [[row]] = selectors.descendants_by_level(org)
    assert row.held_user_seats == 1  # the invitations app's holder
    hooks.register_seat_holder(
        "tickets", held_count=lambda pool: 2, annotation=lambda: Value(2, IntegerField())
    )
    [[row]] = selectors.descendants_by_level(org)
    assert row.held_user_seats == 3
    hooks.unregister_seat_holder("invitations")
    hooks.unregister_seat_holder("tickets")
    [[row]] = selectors.descendants_by_level(org)
    assert row.held_user_seats == 0


def test_a_page_of_child_rows_gets_the_holders_seats_in_one_query_each(
    org, owner, django_assert_num_queries
):
    from organizations.models import Organization

    Organization.objects.filter(pk=org.pk).update(user_seat_limit=20)
    groups = [
        services.create_child_organization(
            parent=org,
            creator=owner,
            kind="group",
            display_name=f"Group {i}",
            admin_email=owner.email,
            user_seats=5,
            device_seats=0,
        )
        for i in range(3)
    ]
    InvitationFactory(organization=groups[0])
    InvitationFactory(organization=groups[0])
    InvitationFactory(organization=groups[2])
    InvitationFactory(organization=groups[2], expires_at=timezone.now() - timedelta(minutes=1))
    # A holder without `held_counts` is asked through its annotation, one query too.
    hooks.register_seat_holder(
        "tickets", held_count=lambda pool: 2, annotation=lambda: Value(2, IntegerField())
    )
    rows = list(selectors.child_rows(org))
    with django_assert_num_queries(2):
        selectors.add_held_seats(rows)
    assert {row.name: row.held_user_seats for row in rows} == {
        groups[0].name: 4,
        groups[1].name: 2,
        groups[2].name: 3,
    }


def test_pending_invitations_hold_seats_through_the_registry(org):
    before = seats.usage(org, seats.USERS).used
    InvitationFactory(organization=org)
    InvitationFactory(organization=org, expires_at=timezone.now() - timedelta(minutes=1))
    assert seats.usage(org, seats.USERS).used == before + 1
    hooks.unregister_seat_holder("invitations")
    assert seats.usage(org, seats.USERS).used == before


def test_a_pool_is_counted_in_one_statement_when_every_holder_gives_its_sql(
    org, django_assert_num_queries
):
    InvitationFactory(organization=org)
    InvitationFactory(organization=org, expires_at=timezone.now() - timedelta(minutes=1))
    held = seats.held_count(org)
    assert held == 1
    with django_assert_num_queries(1):
        usage = seats.usage(org, seats.USERS)
    assert usage.held == held
    # A holder with SQL of its own adds to the same statement.
    hooks.register_seat_holder(
        "tickets",
        held_count=lambda pool: 2,
        annotation=lambda: Value(2, IntegerField()),
        held_statement=lambda org_id: ("SELECT %s", [2]),
    )
    with django_assert_num_queries(1):
        assert seats.usage(org, seats.USERS).held == held + 2
    # One without: its count follows in a second query, and the sum is the same.
    hooks.register_seat_holder(
        "tickets", held_count=lambda pool: 2, annotation=lambda: Value(2, IntegerField())
    )
    with django_assert_num_queries(2):
        assert seats.usage(org, seats.USERS).held == held + 2


def test_removing_a_member_revokes_their_open_invitations_with_audit_rows(org, owner, member_user):
    mine = InvitationFactory(organization=org, email=member_user.email.upper())
    someone_else = InvitationFactory(organization=org)
    services.remove_member(org=org, actor=owner, membership=org.memberships.get(user=member_user))
    mine.refresh_from_db()
    someone_else.refresh_from_db()
    assert (mine.status, someone_else.status) == ("revoked", "pending")
    revoke = AuditEvent.objects.get(organization=org, action="member.invite.revoke")
    assert revoke.actor == owner and revoke.detail["invitation"] == mine.pk
    removal = AuditEvent.objects.get(organization=org, action="member.remove")
    assert removal.detail == {"role": "member", "invitations_revoked": 1}


def test_without_the_handler_removal_leaves_invitations_alone(org, owner, member_user):
    mine = InvitationFactory(organization=org, email=member_user.email)
    hooks.unregister_member_removed("invitations")
    services.remove_member(org=org, actor=owner, membership=org.memberships.get(user=member_user))
    mine.refresh_from_db()
    assert mine.status == "pending"
    assert not AuditEvent.objects.filter(action="member.invite.revoke").exists()
    assert AuditEvent.objects.get(action="member.remove").detail == {"role": "member"}


def test_handlers_run_in_the_removal_transaction(org, owner, member_user):
    seen = []

    def handler(*, org, user, actor, ip_address):
        seen.append((org.pk, user.pk, actor.pk, ip_address))
        assert not Membership.objects.filter(organization=org, user=user).exists()
        raise RuntimeError("the app could not clean up")

    hooks.register_member_removed("tickets", handler)
    with pytest.raises(RuntimeError):
        services.remove_member(
            org=org,
            actor=owner,
            membership=org.memberships.get(user=member_user),
            ip_address="203.0.113.5",
        )
    assert seen == [(org.pk, member_user.pk, owner.pk, "203.0.113.5")]
    assert org.memberships.filter(user=member_user).exists()  # rolled back
    assert not AuditEvent.objects.filter(action="member.remove").exists()


def test_registering_twice_replaces_the_entry():
    hooks.unregister_member_removed("invitations")
    hooks.register_member_removed("tickets", lambda **kwargs: {"a": 1})
    hooks.register_member_removed("tickets", lambda **kwargs: {"b": 2})
    result = hooks.member_removed(org=None, user=None, actor=None)
    assert result["b"] == 2 and "a" not in result


def test_an_unknown_resource_is_refused():
    with pytest.raises(ValueError):
        hooks.register_seat_holder(
            "x", held_count=lambda pool: 0, annotation=lambda: Value(0), resource="rooms"
        )


def _user():
    from ..factories import UserFactory

    return UserFactory()


# --- per-request org state and access checks -------------------------------------------


def _team_count(*, user, org_ref):
    """An app's per-request value: here, how many teams the org has (a subquery)."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from organizations.models import Team

    return Coalesce(
        Subquery(
            Team.objects.filter(organization=OuterRef(org_ref))
            .order_by()
            .values("organization")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def test_a_registered_access_value_rides_on_the_access_query(
    client_for, org, owner, django_assert_num_queries, django_assert_max_num_queries
):
    from django.urls import reverse

    from organizations.models import Team

    url = reverse("organizations:roles", args=[org.name])
    client = client_for(owner)
    client.get(url)
    with django_assert_max_num_queries(50) as before:
        client.get(url)
    Team.objects.create(organization=org, name="Blue")
    Team.objects.create(organization=org, name="Red")
    hooks.register_access_annotation("team_count", _team_count)
    with django_assert_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert response.context["org_access"].state == {"team_count": org.teams.count()}
    assert org.teams.count() >= 2
    assert response.context["org_access"].org == org
    hooks.unregister_access_annotation("team_count")
    assert client.get(url).context["org_access"].state == {}


def test_an_inherited_access_gets_the_registered_values_too(org, owner):
    from organizations.mixins import OrgAccess
    from organizations.models import Team

    child = services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Child",
        admin_email=owner.email,
        user_seats=1,
        device_seats=0,
    )
    Team.objects.filter(organization=child).delete()
    Team.objects.create(organization=child, name="Only")
    outsider_owner = Membership.objects.create(
        organization=org, user=_user(), role=Membership.Role.OWNER
    ).user
    hooks.register_access_annotation("team_count", _team_count)
    access = OrgAccess.of(selectors.membership_for(outsider_owner, child.name))
    assert access.inherited and access.org == child
    assert access.state == {"team_count": 1}


def test_an_access_check_may_answer_instead_of_the_page(client_for, org, owner, member_user):
    from django.http import HttpResponseRedirect
    from django.urls import reverse

    seen = []

    def owners_only_on_thursdays(request, access):
        seen.append((access.org.name, access.membership.role))
        if access.membership.role != Membership.Role.OWNER:
            return HttpResponseRedirect("/accounts/profile/security/")
        return None

    hooks.register_access_check("policy", owners_only_on_thursdays)
    url = reverse("organizations:dashboard", args=[org.name])
    assert client_for(owner).get(url).status_code == 200
    refused = client_for(member_user).get(url)
    assert refused.status_code == 302 and refused["Location"] == "/accounts/profile/security/"
    assert seen == [(org.name, "owner"), (org.name, "member")]
    hooks.unregister_access_check("policy")
    assert client_for(member_user).get(url).status_code == 200

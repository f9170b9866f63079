import pytest
from django.core.exceptions import ValidationError

from organizations import services
from organizations.errors import NotAllowed, OrganizationError
from organizations.models import AuditEvent, GovernanceSettings, Membership, Organization
from organizations.seats import SeatLimitExceeded

from ..factories import OrganizationFactory, UserFactory, staff_with

pytestmark = pytest.mark.django_db


def test_create_organization_sets_up_everything(owner, auto_approve):
    governance = GovernanceSettings.get_solo()
    governance.default_user_seat_limit = 7
    governance.default_device_seat_limit = 3
    governance.save()

    org = services.create_organization(
        creator=owner,
        display_name="Acme Labs",
        name="acme-labs",
        org_type="company",
        primary_email="hello@acme.test",
        ip_address="203.0.113.9",
    )

    assert org.status == Organization.Status.ACTIVE
    assert org.kind == Organization.Kind.STANDARD
    assert org.public_id.startswith("org_") and len(org.public_id) == 20
    assert org.created_by == owner
    assert (org.user_seat_limit, org.device_seat_limit) == (7, 3)
    membership = Membership.objects.get(organization=org)
    assert membership.user == owner and membership.role == Membership.Role.OWNER
    assert membership.is_initial_owner
    team = org.teams.get()
    assert team.is_default and list(team.members.all()) == [membership]
    event = AuditEvent.objects.get(organization=org)
    assert event.action == "org.create"
    assert event.actor == owner and event.actor_email == owner.email
    assert event.ip_address == "203.0.113.9"
    assert event.org_name == "acme-labs" and event.org_public_id == org.public_id


def test_public_ids_are_random_and_unique(owner):
    ids = {
        services.create_organization(creator=owner, display_name=f"Org {i}").public_id
        for i in range(5)
    }
    assert len(ids) == 5


def test_name_is_suggested_from_display_name_when_blank(owner):
    org = services.create_organization(creator=owner, display_name="  Café Zürich, Inc.  ")
    assert org.name == "cafe-zurich-inc"
    assert org.display_name == "Café Zürich, Inc."


@pytest.mark.parametrize(
    ("display_name", "suggestion"),
    [
        ("Acme", "acme"),
        ("Acme Labs, Inc.", "acme-labs-inc"),
        ("  --Foo__Bar--  ", "foo__bar"),
        ("R&D 2026", "r-d-2026"),
        ("x" * 60, "x" * 50),
        ("日本", ""),
    ],
)
def test_suggest_org_name(display_name, suggestion):
    assert services.suggest_org_name(display_name) == suggestion


def test_taken_name_is_refused_and_nothing_is_saved(org):
    other = UserFactory()
    with pytest.raises(ValidationError) as info:
        services.create_organization(creator=other, display_name="Another", name="acme")
    assert info.value.error_dict["name"][0].code == "unique"
    assert Organization.objects.count() == 1
    assert not Membership.objects.filter(user=other).exists()
    assert AuditEvent.objects.filter(action="org.create").count() == 1


@pytest.mark.parametrize("name", ["Bad Name", "x" * 51, "dots.not.allowed"])
def test_invalid_name_is_refused(owner, name):
    with pytest.raises(ValidationError) as info:
        services.create_organization(creator=owner, display_name="Whatever", name=name)
    assert "name" in info.value.error_dict
    assert not Organization.objects.exists()


def test_unverified_user_cannot_create(db):
    user = UserFactory(verified=False)
    with pytest.raises(NotAllowed) as info:
        services.create_organization(creator=user, display_name="Nope")
    assert info.value.code == "email_unverified"
    assert not Organization.objects.exists()


def test_user_without_email_record_cannot_create(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("raw@example.com", "pw")
    with pytest.raises(NotAllowed):
        services.create_organization(creator=user, display_name="Nope")


def test_update_organization_changes_fields_and_audits(org, owner):
    services.update_organization(
        org=org,
        actor=owner,
        ip_address="198.51.100.1",
        display_name="Acme Inc.",
        name="acme-inc",
        logo_url="https://cdn.example.com/logo.png",
        primary_color="#112233",
        page_background_color="#FFFFFF",
        metadata={"region": "eu"},
    )
    org.refresh_from_db()
    assert org.name == "acme-inc" and org.display_name == "Acme Inc."
    assert org.metadata == {"region": "eu"}
    event = AuditEvent.objects.filter(action="org.edit").get()
    assert event.detail["changed"]["name"] == {"from": "acme", "to": "acme-inc"}
    assert event.detail["changed"]["metadata"] == {"from": {}, "to": {"region": "eu"}}
    assert event.org_name == "acme-inc"


def test_update_without_changes_writes_no_event(org, owner):
    services.update_organization(org=org, actor=owner, display_name=org.display_name)
    assert not AuditEvent.objects.filter(action="org.edit").exists()


def test_public_id_cannot_be_edited(org, owner):
    with pytest.raises(TypeError):
        services.update_organization(org=org, actor=owner, public_id="org_mine")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Not Valid"}, "name"),
        ({"logo_url": "http://insecure.example.com/logo.png"}, "logo_url"),
        ({"primary_color": "#12345"}, "primary_color"),
        ({"page_background_color": "blue"}, "page_background_color"),
        ({"metadata": {f"k{i}": "v" for i in range(26)}}, "metadata"),
        ({"metadata": {"k": "v" * 256}}, "metadata"),
        ({"primary_email": "not-an-email"}, "primary_email"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_bad_updates_are_refused_and_nothing_is_saved(org, owner, changes, field):
    before = Organization.objects.values().get(pk=org.pk)
    with pytest.raises(ValidationError) as info:
        services.update_organization(org=org, actor=owner, **changes)
    assert field in info.value.error_dict
    assert Organization.objects.values().get(pk=org.pk) == before
    assert not AuditEvent.objects.filter(action="org.edit").exists()


def test_rename_to_taken_name_is_refused(org, owner):
    OrganizationFactory(name="taken")
    with pytest.raises(ValidationError) as info:
        services.update_organization(org=org, actor=owner, name="taken")
    assert "name" in info.value.error_dict
    org.refresh_from_db()
    assert org.name == "acme"


def test_set_seat_limits_audits_changes(org):
    staff = staff_with("change_seat_limits")
    services.set_seat_limits(org=org, actor=staff, user_seat_limit=50, device_seat_limit=5)
    org.refresh_from_db()
    assert (org.user_seat_limit, org.device_seat_limit) == (50, 5)
    assert AuditEvent.objects.filter(action="org.seat_limits").count() == 1


def test_add_member_joins_default_team_and_takes_a_seat(org, owner):
    user = UserFactory()
    membership = services.add_member(org=org, user=user, role="admin", actor=owner)
    assert membership.role == "admin"
    assert org.teams.get(is_default=True).members.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="member.add")
    assert event.target == user.email and event.detail == {"role": "admin"}


def test_add_member_refuses_duplicates(org, owner):
    with pytest.raises(OrganizationError) as info:
        services.add_member(org=org, user=owner, actor=owner)
    assert info.value.code == "already_member"


def test_add_member_respects_user_seat_limit(org, owner):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=2)
    services.add_member(org=org, user=UserFactory(), actor=owner)
    with pytest.raises(SeatLimitExceeded) as info:
        services.add_member(org=org, user=UserFactory(), actor=owner)
    assert "No user seat is left" in info.value.message
    assert org.memberships.count() == 2

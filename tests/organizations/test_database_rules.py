"""Rules the database keeps too: case-insensitive names, and an append-only audit log."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse

from organizations import services
from organizations.audit import record_event
from organizations.models import (
    AppendOnlyViolation,
    AuditEvent,
    Organization,
    OrganizationalUnit,
    Team,
    Workspace,
)

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

NAMED = [Team, OrganizationalUnit, Workspace]


# --- names unique case-insensitively per organization ------------------------------------


@pytest.mark.parametrize("model", NAMED, ids=lambda m: m.__name__)
def test_names_differing_only_in_case_cannot_both_be_stored(org, model):
    model.objects.create(organization=org, name="Ops")
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(organization=org, name="ops")


@pytest.mark.parametrize("model", NAMED, ids=lambda m: m.__name__)
def test_the_same_name_is_fine_in_another_org(org, outsider, model):
    other = outsider.memberships.get().organization
    model.objects.create(organization=org, name="Ops")
    model.objects.create(organization=other, name="OPS")
    assert model.objects.filter(name__iexact="ops").count() == 2


@pytest.mark.parametrize("model", NAMED, ids=lambda m: m.__name__)
def test_model_validation_reports_the_taken_name_with_its_code(org, model):
    model.objects.create(organization=org, name="Ops")
    with pytest.raises(ValidationError) as exc:
        model(organization=org, name="OPS").validate_constraints()
    assert exc.value.error_dict["__all__"][0].code == "name_taken"


@pytest.fixture
def name_check_misses(monkeypatch):
    """The services' own check sees nothing, as when a concurrent request commits the
    same name between the check and the insert: only the database is left to refuse."""
    original = QuerySet.exists

    def exists(self):
        if self.model in NAMED:
            return False
        return original(self)

    monkeypatch.setattr(QuerySet, "exists", exists)


def _create(kind, org, owner, name):
    if kind == "team":
        return services.create_team(org=org, actor=owner, name=name)
    if kind == "unit":
        return services.create_unit(org=org, actor=owner, name=name)
    return services.create_workspace(org=org, actor=owner, name=name)


@pytest.mark.parametrize("kind", ["team", "unit", "workspace"])
def test_a_name_lost_to_a_race_is_name_taken_not_a_crash(org, owner, kind, name_check_misses):
    _create(kind, org, owner, "Ops")
    with pytest.raises(ValidationError) as exc:
        _create(kind, org, owner, "ops")
    assert exc.value.code == "name_taken"


@pytest.mark.parametrize(
    ("url_name", "kind"),
    [("team_create", "team"), ("unit_create", "unit"), ("workspace_create", "workspace")],
)
def test_the_page_shows_a_name_lost_to_a_race_on_the_form(
    client_for, org, owner, url_name, kind, name_check_misses
):
    _create(kind, org, owner, "Ops")
    url = reverse(f"organizations:{url_name}", kwargs={"org_name": org.name})
    response = client_for(owner).post(url, {"name": "ops"})
    assert response.status_code == 200
    assert "with this name exists already" in response.content.decode()


# --- the audit log is append-only ---------------------------------------------------------


@pytest.fixture
def event(org, owner):
    return record_event(org=org, actor=owner, action="test.event", target="x")


def test_a_saved_event_cannot_be_changed_or_deleted(event):
    event.target = "changed"
    with pytest.raises(AppendOnlyViolation):
        event.save()
    with pytest.raises(AppendOnlyViolation):
        event.delete()
    event.refresh_from_db()
    assert event.target == "x"


def test_bulk_update_and_delete_are_refused(event):
    with pytest.raises(AppendOnlyViolation):
        AuditEvent.objects.filter(pk=event.pk).update(target="changed")
    with pytest.raises(AppendOnlyViolation):
        AuditEvent.objects.update(target="changed")
    with pytest.raises(AppendOnlyViolation):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.target == "x"


def test_deleting_an_org_keeps_its_events_without_the_link(org, owner, event):
    services.delete_organization(org=org, actor=owner, confirm_name="acme")
    event.refresh_from_db()
    assert event.organization_id is None
    assert (event.org_name, event.actor_id, event.target) == ("acme", owner.pk, "x")


def test_deleting_a_user_keeps_their_events_without_the_link(org):
    actor = UserFactory()
    record_event(org=org, actor=actor, action="test.event")
    actor.delete()
    event = AuditEvent.objects.get(action="test.event")
    assert event.actor_id is None
    assert event.organization_id == org.pk


# --- on PostgreSQL a trigger refuses raw SQL too ------------------------------------------


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.needs_postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE organizations_auditevent SET target = 'changed' WHERE id = %s",
        "UPDATE organizations_auditevent SET organization_id = NULL, target = '' WHERE id = %s",
        "UPDATE organizations_auditevent SET actor_id = NULL, action = 'x' WHERE id = %s",
        "DELETE FROM organizations_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_an_event(event, sql):
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(sql, [event.pk])
    event.refresh_from_db()
    assert event.target == "x" and event.organization_id is not None


@pytest.mark.needs_postgres
def test_raw_sql_cannot_point_an_event_at_another_org(event, outsider):
    other = outsider.memberships.get().organization
    with pytest.raises(IntegrityError, match="append-only"):
        _raw(
            "UPDATE organizations_auditevent SET organization_id = %s WHERE id = %s",
            [other.pk, event.pk],
        )


@pytest.mark.needs_postgres
def test_raw_sql_may_only_null_the_foreign_keys(event):
    _raw(
        "UPDATE organizations_auditevent SET organization_id = NULL, actor_id = NULL WHERE id = %s",
        [event.pk],
    )
    event.refresh_from_db()
    assert (event.organization_id, event.actor_id, event.target) == (None, None, "x")


@pytest.mark.needs_postgres
def test_deleting_an_org_with_events_passes_the_trigger(owner):
    doomed = OrganizationFactory(created_by=owner, name="doomed")
    record_event(org=doomed, actor=owner, action="test.event")
    services.delete_organization(org=doomed, actor=owner, confirm_name="doomed")
    assert not Organization.objects.filter(name="doomed").exists()
    assert AuditEvent.objects.filter(org_name="doomed", organization=None).count() >= 2

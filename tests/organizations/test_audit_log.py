"""The audit log page and its CSV export: organizations/audit_log.py and AuditLogView /
AuditExportView in organizations/views/organizations.py."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from organizations.audit_log import ORDER, PAGE_SIZE, Filters, filtered_events
from organizations.models import AuditEvent

from ..plans import generic_plan

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def events(org, owner):
    """130 events, one a minute from START: i = 0 is the oldest."""
    rows = []
    for i in range(130):
        # Events are append-only: each is written at its own time rather than back-dated.
        with time_machine.travel(START + timedelta(minutes=i), tick=False):
            rows.append(
                AuditEvent.objects.create(
                    organization=org,
                    org_name=org.name,
                    org_public_id=org.public_id,
                    actor=owner,
                    actor_email=owner.email if i % 2 else "other@example.com",
                    action="team.create" if i % 3 else "member.invite",
                    target=f"t{i}",
                    detail={"i": i},
                )
            )
    return rows


def audit(org):
    return reverse("organizations:audit", args=[org.name])


def indexes(response):
    return [event.detail["i"] for event in response.context["events"] if "i" in event.detail]


def test_older_and_newer_walk_the_whole_log_without_gaps_or_repeats(
    client_for, owner, org, events, django_assert_max_num_queries
):
    client = client_for(owner)
    seen, pages, params = [], [], {}
    while True:
        with django_assert_max_num_queries(12):
            response = client.get(audit(org), params)
        seen += indexes(response)
        pages.append(indexes(response))
        page = response.context["page"]
        if page.next is None:
            break
        params = {"before": page.next}
    assert seen == list(range(129, -1, -1))
    # Back up one page from the last: the page before it, in the same order.
    newer = client.get(audit(org), {"after": page.previous})
    assert len(pages) == 3
    assert indexes(newer) == pages[-2] and len(pages[-2]) == PAGE_SIZE
    text = newer.content.decode()
    for link in ("audit-newest", "audit-newer", "audit-older", "audit-oldest"):
        assert f'data-testid="{link}"' in text


def test_the_oldest_page_reads_the_log_from_its_other_end(client_for, owner, org, events):
    client = client_for(owner)
    oldest = client.get(audit(org), {"page": "last"})
    assert indexes(oldest) == list(range(PAGE_SIZE - 1, -1, -1))
    text = oldest.content.decode()
    assert 'data-testid="audit-oldest"' not in text and 'data-testid="audit-newer"' in text
    # Newer from the oldest page: the 50 events just after it, newest first.
    newer = client.get(audit(org), {"after": oldest.context["page"].previous})
    assert indexes(newer) == list(range(PAGE_SIZE * 2 - 1, PAGE_SIZE - 1, -1))
    filtered = client.get(audit(org), {"page": "last", "action": "member.invite"})
    assert indexes(filtered)[-1] == 0 and all(i % 3 == 0 for i in indexes(filtered))


def test_filters_by_action_actor_and_dates_and_keep_them_across_pages(
    client_for, owner, org, events
):
    client = client_for(owner)
    response = client.get(audit(org), {"action": "team.create", "actor": owner.email.upper()})
    found = indexes(response)
    assert found and all(i % 3 and i % 2 for i in found)
    day = client.get(audit(org), {"since": "2026-01-01", "until": "2026-01-01"})
    assert len(indexes(day)) == PAGE_SIZE
    empty = client.get(audit(org), {"since": "2027-01-01"})
    assert 'data-testid="audit-no-match"' in empty.content.decode()
    paged = client.get(audit(org), {"action": "member.invite"})
    assert "action=member.invite" in paged.content.decode()


def test_bad_filters_and_cursors_get_errors_not_500s(client_for, owner, org, events):
    client = client_for(owner)
    response = client.get(
        audit(org), {"since": "2026-02-01", "until": "2026-01-01", "actor": "not-an-email"}
    )
    assert response.status_code == 200
    assert "Pick a date on or after the first one." in response.content.decode()
    for cursor in ("garbage", "99999999999999999999-1", "-", "1-x", "1" * 100):
        assert indexes(client.get(audit(org), {"before": cursor}))[0] == 129
        assert indexes(client.get(audit(org), {"after": cursor}))[0] == 129
    assert ORDER.decode(ORDER.cursor(events[5])) == (events[5].created_at, events[5].pk)


def test_hostile_text_in_the_log_is_escaped(client_for, owner, org):
    AuditEvent.objects.create(
        organization=org,
        org_name=org.name,
        org_public_id=org.public_id,
        action="team.rename",
        target="<img src=x onerror=alert(1)>",
    )
    text = client_for(owner).get(audit(org)).content.decode()
    assert "<img src=x" not in text and "&lt;img src=x" in text


def test_owners_download_the_filtered_log_as_csv_without_formulas(client_for, owner, org, events):
    AuditEvent.objects.create(
        organization=org,
        org_name=org.name,
        org_public_id=org.public_id,
        action="team.rename",
        target='=HYPERLINK("http://evil")',
    )
    client = client_for(owner)
    assert 'data-testid="audit-export"' in client.get(audit(org)).content.decode()
    response = client.get(reverse("organizations:audit_export", args=[org.name]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["time", "actor", "action", "target", "ip_address", "detail"]
    assert len(rows) == 1 + 130 + 1 + AuditEvent.objects.filter(organization=org).count() - 131
    assert [row[3] for row in rows if "HYPERLINK" in row[3]] == ['\'=HYPERLINK("http://evil")']
    filtered = client.get(
        reverse("organizations:audit_export", args=[org.name]), {"action": "member.invite"}
    )
    body = b"".join(filtered.streaming_content).decode()
    assert body.count("member.invite") == len([i for i in range(130) if i % 3 == 0])


def test_admins_read_the_log_but_only_owners_export_it(client_for, admin_user, org, events):
    client = client_for(admin_user)
    assert client.get(audit(org)).status_code == 200
    assert 'data-testid="audit-export"' not in client.get(audit(org)).content.decode()
    assert client.get(reverse("organizations:audit_export", args=[org.name])).status_code == 403


def test_pages_continue_through_events_written_in_the_same_instant(client_for, owner, org):
    """Events that share a timestamp are ordered by id, and no page loses or repeats one."""
    with time_machine.travel(START, tick=False):
        written = [
            AuditEvent.objects.create(
                organization=org,
                org_name=org.name,
                org_public_id=org.public_id,
                actor=owner,
                actor_email=owner.email,
                action="team.create",
                target=f"t{i}",
                detail={"i": i},
            )
            for i in range(PAGE_SIZE * 2 + 5)
        ]
    client = client_for(owner)
    seen, params = [], {}
    while True:
        page = client.get(audit(org), params).context["page"]
        seen += [event.pk for event in page.rows]
        if page.next is None:
            break
        params = {"before": page.next}
    everything = AuditEvent.objects.filter(organization=org).order_by("-created_at", "-id")
    assert seen == list(everything.values_list("pk", flat=True))
    assert {event.pk for event in written} <= set(seen)
    newer = client.get(audit(org), {"after": page.previous}).context["page"]
    assert [event.pk for event in newer.rows] == seen[PAGE_SIZE : PAGE_SIZE * 2]


@pytest.mark.needs_postgres
@pytest.mark.parametrize("direction", ["following", "preceding"])
def test_a_page_from_a_cursor_is_an_index_range_for_any_cursor(org, events, direction):
    """Production prepares the page's statement, and a prepared statement's generic plan
    does not see the cursor: the continuation must be an index condition, not a filter
    on a walk from the log's newest end."""
    continued = getattr(ORDER, direction)(
        filtered_events(org, Filters()), ORDER.values_of(events[3])
    )
    plan = generic_plan(continued[: PAGE_SIZE + 1])
    assert "Index Cond" in plan and "ROW(created_at, id)" in plan, plan


@pytest.mark.needs_postgres
def test_a_rare_action_is_a_range_of_the_action_index_for_any_action(org, events):
    """Filtered by an action, a page reads that action's events in the log's order,
    not the whole log filtered, whatever action a prepared statement runs with."""
    plan = generic_plan(filtered_events(org, Filters(action="member.remove"))[: PAGE_SIZE + 1])
    assert "audit_org_action_recent" in plan, plan


@pytest.mark.needs_postgres
def test_an_actor_filtered_page_is_planned_for_its_actor(
    client_for, owner, org, events, prepared_statements
):
    """When one actor wrote nearly all of the log, a generic plan would walk the whole
    log for another actor's page: an actor-filtered page is planned for the actor it
    names on every run, never prepared (config/planning.py)."""
    client = client_for(owner)
    for _ in range(2):
        assert client.get(audit(org)).status_code == 200
        response = client.get(audit(org), {"actor": "other@example.com"})
    events_read = [sql for sql in prepared_statements() if "organizations_auditevent" in sql]
    assert events_read, prepared_statements()  # the unfiltered log is prepared
    assert not [sql for sql in events_read if "UPPER" in sql], events_read
    assert response.context["events"] and all(
        event.actor_email == "other@example.com" for event in response.context["events"]
    )

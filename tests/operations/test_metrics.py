"""/metrics: Prometheus text, for the token or allowed addresses only; counts requests,
invitations, seat refusals and Celery tasks; gauges from the database; no user data."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from invitations import services as invitation_services
from notifications.models import OutboxEmail
from notifications.tasks import send_outbox_email
from organizations import seats
from organizations.models import Organization
from tests.factories import OrganizationFactory, OutboxEmailFactory, UserFactory

TOKEN = "metrics-token-0f9e8d7c6b5a"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return TOKEN


def scrape(client, token=TOKEN, **extra):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def samples(response) -> dict:
    """{(name, frozenset(labels)): value} of a scrape."""
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_off_until_configured(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404


def test_metrics_refuse_without_the_token(client, db, metrics_token):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert scrape(client, token="wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401  # no scheme


def test_metrics_count_a_request_after_it(client, db, metrics_token):
    labels = {"view": "account_login", "method": "GET", "status": "200"}
    before = samples(scrape(client)).get(
        ("orgportal_http_request_duration_seconds_count", frozenset(labels.items())), 0
    )
    client.get("/accounts/login/")
    response = scrape(client, HTTP_HOST="10.0.3.7:9100")  # a scraper's Host header

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    after = samples(response)
    assert after[("orgportal_http_request_duration_seconds_count", frozenset(labels.items()))] == (
        before + 1
    )
    bucket = {**labels, "le": "+Inf"}
    assert after[("orgportal_http_request_duration_seconds_bucket", frozenset(bucket.items()))]


def test_allowed_addresses_need_no_token(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "192.0.2.10"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.11").status_code == 401
    # Without a trusted proxy, X-Forwarded-For is the client's word: ignored.
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="10.0.0.1"
        ).status_code
        == 401
    )


def test_behind_a_proxy_the_forwarded_address_decides(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The proxy itself (127.0.0.1) is not enough: the client it forwards for decides.
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
        ).status_code
        == 401
    )
    assert (
        client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1").status_code
        == 200
    )


def test_gauges_come_from_the_database_in_few_queries(
    client, db, metrics_token, django_assert_max_num_queries
):
    OutboxEmailFactory(status="queued")
    old = OutboxEmailFactory(status="sending")
    OutboxEmail.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    OutboxEmailFactory(status="sent")
    OutboxEmailFactory(status="failed")
    OutboxEmailFactory(status="failed")
    OrganizationFactory(status=Organization.Status.PENDING)

    with django_assert_max_num_queries(2):
        found = samples(scrape(client))

    def outbox(status):
        return found[("orgportal_outbox_emails", frozenset({("status", status)}))]

    assert (outbox("queued"), outbox("sending"), outbox("sent"), outbox("failed")) == (1, 1, 1, 2)
    age = found[("orgportal_outbox_oldest_unsent_age_seconds", frozenset())]
    assert 3500 < age < 3700
    assert found[("orgportal_approvals_waiting", frozenset())] == 1


def test_invitations_sent_and_accepted_are_counted_on_commit(
    org, owner, django_capture_on_commit_callbacks
):
    sent, again, accepted = (
        value("orgportal_invitations_sent_total", kind="new"),
        value("orgportal_invitations_sent_total", kind="again"),
        value("orgportal_invitations_accepted_total"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_services.invite_member(
            org=org, inviter=owner, email="new@example.com"
        )
        assert value("orgportal_invitations_sent_total", kind="new") == sent  # not yet
    assert value("orgportal_invitations_sent_total", kind="new") == sent + 1

    from tests.invitations.conftest import token_from_last_mail

    invitation.last_sent_at = timezone.now() - timedelta(hours=1)
    invitation.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_services.resend_invitation(invitation=invitation, actor=owner)
    assert value("orgportal_invitations_sent_total", kind="again") == again + 1

    invitee = UserFactory(email="new@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_services.accept_invitation(
            token=token_from_last_mail("new@example.com"), user=invitee
        )
    assert value("orgportal_invitations_accepted_total") == accepted + 1


def test_seat_refusals_are_counted_by_resource(org, owner):
    before = value("orgportal_seat_refusals_total", resource="devices")
    Organization.objects.filter(pk=org.pk).update(device_seat_limit=0)
    org.refresh_from_db()
    with pytest.raises(seats.SeatLimitExceeded):
        seats.take_device_seat(org)
    assert value("orgportal_seat_refusals_total", resource="devices") == before + 1


def test_celery_task_outcomes_are_counted(db):
    name = "notifications.tasks.send_outbox_email"
    before = value("orgportal_celery_tasks_total", task=name, outcome="succeeded")
    row = OutboxEmailFactory()
    send_outbox_email.delay(row.pk)
    assert value("orgportal_celery_tasks_total", task=name, outcome="succeeded") == before + 1


def test_labels_carry_no_user_data(client_for, org, owner, metrics_token):
    client = client_for(owner)
    client.get(f"/o/{org.name}/")
    client.get(f"/o/{org.name}/members/?q=secret-search")
    client.generic("BREW", "/coffee/")
    text = scrape(client).content.decode()
    for private in (org.name, owner.email, "secret-search", "/o/", "coffee", "BREW"):
        assert private not in text.replace("orgportal_", ""), private
    assert 'view="organizations:dashboard"' in text
    assert 'method="other"' in text


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, a scrape sums the counters of every process."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}",
    }
    count = "from config.metrics import count_seat_refusal; count_seat_refusal('users')"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, cwd=PROJECT_ROOT)
    render = (
        "import django; django.setup(); "
        "from operations.metrics import render; print(render().decode())"
    )
    output = subprocess.run(
        [sys.executable, "-c", render],
        env=env,
        check=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    ).stdout
    assert 'orgportal_seat_refusals_total{resource="users"} 2.0' in output

"""The outbox: recorded in the caller's transaction, sent once, retried, swept."""

import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from config.celery_app import app as celery_app
from invitations.models import Invitation
from notifications import services
from notifications.models import OutboxEmail
from notifications.tasks import send_outbox_email

from ..factories import OutboxEmailFactory

pytestmark = pytest.mark.django_db


def test_a_queued_email_is_a_row_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        row = services.queue_rendered_email(
            recipient="a@example.com", subject="Hello", body_text="Body", body_html="<p>B</p>"
        )
        assert mail.outbox == []
        assert OutboxEmail.objects.get().status == "queued"
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert (message.subject, message.to, message.alternatives[0][0]) == (
        "Hello",
        ["a@example.com"],
        "<p>B</p>",
    )
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        services.queue_rendered_email(recipient="a@example.com", subject="S", body_text="B")
        raise Boom
    assert callbacks == []
    assert mail.outbox == []
    assert not OutboxEmail.objects.exists()


def test_the_same_row_sent_twice_delivers_once():
    row = OutboxEmailFactory()
    assert send_outbox_email.apply(args=[row.pk]).get() == "sent"
    assert send_outbox_email.apply(args=[row.pk]).get() == "already_sent"
    assert services.deliver(email_id=row.pk) == "already_sent"
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_a_failure_is_recorded_and_the_row_stays_queued(settings):
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.FailingBackend"
    row = OutboxEmailFactory()
    assert send_outbox_email.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error == "ConnectionRefusedError: SMTP server is down"
    row.attempts = services.MAX_ATTEMPTS - 1
    row.save()
    with pytest.raises(services.DeliveryFailed) as info:
        services.deliver(email_id=row.pk)
    assert info.value.final
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", services.MAX_ATTEMPTS)


def test_a_worker_retries_with_exponential_backoff():
    row = OutboxEmailFactory()
    failure = services.DeliveryFailed(row.pk, "SMTP down", final=False)
    countdowns = []
    for retries in (0, 3, 20):
        send_outbox_email.push_request(is_eager=False, retries=retries)
        try:
            with (
                mock.patch.object(services, "deliver", side_effect=failure),
                mock.patch.object(send_outbox_email, "retry", side_effect=Retry) as retry,
                pytest.raises(Retry),
            ):
                send_outbox_email.run(row.pk)
        finally:
            send_outbox_email.pop_request()
        countdowns.append(retry.call_args.kwargs["countdown"])
    assert all(0 <= c <= 600 for c in countdowns)
    final = services.DeliveryFailed(row.pk, "SMTP down", final=True)
    send_outbox_email.push_request(is_eager=False, retries=8)
    try:
        with mock.patch.object(services, "deliver", side_effect=final):
            assert send_outbox_email.run(row.pk) == "failed"
    finally:
        send_outbox_email.pop_request()


def test_the_sweep_requeues_stale_rows_only(django_capture_on_commit_callbacks):
    stale = OutboxEmailFactory()
    sent = OutboxEmailFactory(status="sent")
    failed = OutboxEmailFactory(status="failed")
    assert services.requeue_stale_emails() == 0  # a fresh row belongs to its own task
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        call_command("sweep_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [m.subject for m in mail.outbox] == [stale.subject]
    for row, status in ((stale, "sent"), (sent, "sent"), (failed, "failed")):
        row.refresh_from_db()
        assert row.status == status


def test_the_sweep_marks_expired_invitations(org):
    from ..factories import InvitationFactory

    old = InvitationFactory(organization=org, expires_at=timezone.now() - timedelta(minutes=1))
    fresh = InvitationFactory(organization=org)
    assert services.sweep()["expire_invitations"] == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("expired", "pending")


def test_the_beat_schedule_runs_the_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-outbox"]
    assert entry["task"] == "notifications.tasks.sweep_outbox"
    assert entry["schedule"] <= 300
    assert "notifications.tasks.sweep_outbox" in celery_app.tasks


def test_allauth_emails_go_through_the_outbox(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "new@example.com",
                "password1": "a-long-pass-1",
                "password2": "a-long-pass-1",
            },
        )
    row = OutboxEmail.objects.get()
    assert row.template == "account/email/email_confirmation_signup"
    assert (row.recipient, row.status) == ("new@example.com", "sent")


# --- a dead broker ---------------------------------------------------------------------


def test_with_the_broker_down_the_invite_answers_quickly_and_the_sweep_delivers_later(
    dead_broker, client_for, org, owner, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    addresses = [f"patient{i}@example.com" for i in range(10)]
    tries = []
    real_apply_async = send_outbox_email.apply_async

    def counted_apply_async(*args, **kwargs):
        tries.append(args)
        return real_apply_async(*args, **kwargs)

    started = time.monotonic()
    with (
        mock.patch.object(send_outbox_email, "apply_async", counted_apply_async),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("invitations:create", args=[org.name]),
            {"emails": ", ".join(addresses), "role": "member"},
        )
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    # One try at the broker, then the other nine emails wait without trying; one try is
    # bounded by the broker timeouts (about two seconds), ten would take twenty.
    assert len(tries) == 1
    assert elapsed < 8.0, f"the invite request waited {elapsed:.1f} s on a dead broker"
    assert mail.outbox == []
    rows = OutboxEmail.objects.all()
    assert sorted(r.recipient for r in rows) == sorted(addresses)
    assert {(r.status, r.attempts) for r in rows} == {("queued", 0)}
    assert Invitation.objects.filter(status="pending").count() == 10

    dead_broker.restore()  # the broker is back
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert services.sweep()["requeued_emails"] == 10
    assert sorted(m.to[0] for m in mail.outbox) == sorted(addresses)
    assert all("/invitations/accept/" in m.body for m in mail.outbox)
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}

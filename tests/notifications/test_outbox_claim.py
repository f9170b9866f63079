"""Claim, send outside a transaction, mark; a stable Message-ID: notifications/services.py."""

import importlib
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from notifications import migrations as notification_migrations
from notifications import services
from notifications.models import OutboxEmail
from notifications.tasks import send_outbox_email

from ..factories import OutboxEmailFactory
from . import failing_backend, transaction_backend

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _header(message) -> str:
    return message.message()["Message-ID"]


def _stuck(*, minutes: float, attempts: int = 1) -> OutboxEmail:
    row = OutboxEmailFactory()
    OutboxEmail.objects.filter(pk=row.pk).update(
        status="sending", attempts=attempts, claimed_at=timezone.now() - timedelta(minutes=minutes)
    )
    row.refresh_from_db()
    return row


@pytest.mark.django_db
def test_each_row_gets_a_message_id_once_at_creation(settings):
    settings.SITE_URL = "https://portal.example.com"
    first, second = OutboxEmailFactory(), OutboxEmailFactory()
    assert first.message_id != second.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@portal.example.com>")
    before = first.message_id
    first.save()
    first.refresh_from_db()
    assert first.message_id == before


@pytest.mark.django_db
def test_the_message_id_is_the_same_on_every_attempt(settings):
    failing_backend.attempted_message_ids.clear()
    row = OutboxEmailFactory()
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.FailingBackend"
    assert send_outbox_email.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_at) == ("queued", 1, None)

    settings.EMAIL_BACKEND = LOCMEM
    assert send_outbox_email.apply(args=[row.pk]).get() == "sent"
    (message,) = mail.outbox
    assert failing_backend.attempted_message_ids == [row.message_id]
    assert _header(message) == row.message_id
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_at) == ("sent", 2, None)


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_backend_sends(settings):
    settings.EMAIL_BACKEND = "tests.notifications.transaction_backend.TransactionCheckingBackend"
    transaction_backend.observed.clear()
    row = OutboxEmailFactory()
    assert send_outbox_email.apply(args=[row.pk]).get() == "sent"
    # The claim was committed before the send, and nothing (no row lock) is held during
    # it: on PostgreSQL another connection locks the row with NOWAIT mid-send.
    assert transaction_backend.observed == [
        {
            "in_atomic_block": False,
            "savepoints": [],
            "status": "sending",
            "lockable_elsewhere": True,
        }
    ]
    row.refresh_from_db()
    assert row.status == "sent"


@pytest.mark.django_db
def test_a_worker_that_dies_after_the_send_leaves_a_repeat_with_the_same_message_id():
    row = OutboxEmailFactory()

    class WorkerKilled(BaseException):
        pass

    # The SMTP server took the email; the worker died before marking the row sent.
    with (
        mock.patch.object(services, "_mark_sent", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        services.deliver(email_id=row.pk)
    row.refresh_from_db()
    assert row.status == "sending" and len(mail.outbox) == 1

    # Celery redelivers the task (acks late): the row is someone's, nothing is sent.
    assert send_outbox_email.apply(args=[row.pk]).get() == "in_progress"
    assert len(mail.outbox) == 1

    OutboxEmail.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(minutes=11))
    assert services.requeue_stale_emails() == 1
    first, repeat = mail.outbox
    assert _header(first) == _header(repeat) == row.message_id
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)


@pytest.mark.django_db
def test_the_sweep_requeues_rows_stuck_in_sending_past_the_timeout_only(settings):
    stuck = _stuck(minutes=11)
    recent = _stuck(minutes=5)
    exhausted = _stuck(minutes=11, attempts=services.MAX_ATTEMPTS)
    sent = OutboxEmailFactory(status="sent")
    OutboxEmail.objects.filter(pk=sent.pk).update(updated_at=timezone.now() - timedelta(days=1))

    assert services.requeue_stale_emails() == 1
    (message,) = mail.outbox
    assert message.to == [stuck.recipient] and _header(message) == stuck.message_id
    for row, status in (
        (stuck, "sent"),
        (recent, "sending"),
        (exhausted, "failed"),
        (sent, "sent"),
    ):
        row.refresh_from_db()
        assert row.status == status
    assert exhausted.last_error == "The worker sending it stopped before it was marked sent."
    assert recent.claimed_at is not None

    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 60  # the setting decides what "stuck" is
    assert services.requeue_stale_emails() == 1
    assert (mail.outbox[-1].to, _header(mail.outbox[-1])) == (
        [recent.recipient],
        recent.message_id,
    )


@pytest.mark.django_db
def test_a_sent_row_is_never_sent_again():
    row = OutboxEmailFactory()
    assert services.deliver(email_id=row.pk) == "sent"
    OutboxEmail.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(days=1))
    assert services.deliver(email_id=row.pk) == "already_sent"
    assert services.retry_emails(email_ids=[row.pk]) == 0
    assert services.requeue_stale_emails() == 0
    assert send_outbox_email.apply(args=[row.pk]).get() == "already_sent"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_late_failure_does_not_undo_another_workers_claim(settings):
    row = OutboxEmailFactory()
    claimed = services._claim(row.pk)
    # The sweep took the row for a dead worker's and another worker claimed it again.
    OutboxEmail.objects.filter(pk=row.pk).update(claimed_at=timezone.now())
    services._mark_failed(claimed, error="late", final=False)
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("sending", "")
    assert services.retry_emails(email_ids=[row.pk]) == 0  # an admin's retry leaves it too


def test_the_migration_moves_stored_templates_to_plain_variables():
    (path,) = Path(notification_migrations.__file__).parent.glob("*_outbox_message_id_claim.py")
    migration = importlib.import_module(f"notifications.migrations.{path.stem}")
    old = (
        "Hi{% if invitation.first_name %} {{ invitation.first_name|title }}{% endif %}, "
        "join {{ org.display_name }} ({{ org.name }}). org.name stays in text. "
        "{{ org.name_x }} {{ org.created_by.password }}"
    )
    assert migration.rewrite_source(old) == (
        "Hi{% if invitee_first_name %} {{ invitee_first_name|title }}{% endif %}, "
        "join {{ org_name }} ({{ org_slug }}). org.name stays in text. "
        "{{ org.name_x }} {{ org.created_by.password }}"
    )


@pytest.mark.django_db
def test_a_row_that_gave_up_waits_for_an_admins_retry(django_capture_on_commit_callbacks):
    row = OutboxEmailFactory(status="failed", attempts=services.MAX_ATTEMPTS)
    assert services.deliver(email_id=row.pk) == "gave_up"
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_emails(email_ids=[row.pk]) == 1
    (message,) = mail.outbox
    assert _header(message) == row.message_id

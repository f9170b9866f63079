"""Emails really travel through the broker to a worker, and wait out a dead broker.

The worker delivers outbox rows, so it needs the database: on PostgreSQL the worker
process is pointed at the test database, and the row it sends is committed first.
"""

import email
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import time_machine
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone

from accounts.mail import queue_email
from config.celery_app import app as celery_app
from notifications.models import OutboxEmail
from notifications.services import sweep
from notifications.tasks import send_outbox_email

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# `python -m celery` with this interpreter, not the `celery` script: a script's shebang
# names the interpreter of wherever the virtualenv was first created.
CELERY = [sys.executable, "-m", "celery"]


def _wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return None


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _database_url() -> str:
    """The URL of the database this test runs on (the test database), for the worker."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, transactional_db):
    """A real `celery worker` process consuming a queue of its own, on the test database.

    Yields the queue's name, the directory the worker writes emails to, and its log.
    """
    queue = f"roundtrip-{uuid.uuid4().hex}"
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"
    env = dict(os.environ)
    env.pop("EMAIL_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_TASK_ALWAYS_EAGER="false",
        EMAIL_FILE_PATH=str(mail_dir),
        # The worker reads and marks the outbox row: the same database as the test.
        DATABASE_URL=_database_url(),
        PYTHONUNBUFFERED="1",
    )
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                *CELERY,
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--pool=solo",
                "--concurrency=1",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        ready = _wait_for(
            lambda: process.poll() is not None or " ready." in log_path.read_text(), timeout=30
        )
        assert ready and process.poll() is None, f"worker did not start:\n{log_path.read_text()}"
        yield queue, mail_dir, log_path
    finally:
        _stop(process)
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    """Drop the Redis keys kombu keeps for the throwaway queue."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=2)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


def _messages(mail_dir: Path) -> list[email.message.Message]:
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in re.split(r"^-{79}$", path.read_text(), flags=re.MULTILINE):
            if chunk.strip():
                messages.append(email.message_from_string(chunk.strip() + "\n"))
    return messages


@pytest.mark.needs_redis
@pytest.mark.needs_postgres
def test_a_worker_process_delivers_an_outbox_email_queued_in_redis(worker):
    queue, mail_dir, log_path = worker
    subject = f"Round trip {uuid.uuid4().hex[:8]}"
    # Committed at once (transactional test): the worker process can see it.
    row = OutboxEmail.objects.create(
        recipient="roundtrip@example.com",
        template="test",
        subject=subject,
        body_text="Delivered by the worker.",
        from_email="Orgportal <no-reply@orgportal.local>",
    )
    celery_app.conf.task_always_eager = False  # the autouse fixture restores it

    send_outbox_email.apply_async(args=[row.pk], queue=queue)

    delivered = _wait_for(
        lambda: (
            [m for m in _messages(mail_dir) if m["Subject"] == subject]
            if mail_dir.exists()
            else None
        ),
        timeout=30,
    )
    assert delivered, f"no email from the worker in 30 s; worker log:\n{log_path.read_text()}"
    (message,) = delivered
    assert message["To"] == "roundtrip@example.com"
    assert "Delivered by the worker." in message.get_payload(decode=True).decode()
    # The worker writes the message first and logs the send once it has marked the row.
    sent_line = f"sent email '{subject}' to roundtrip@example.com"
    assert _wait_for(lambda: sent_line in log_path.read_text(), timeout=10), log_path.read_text()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)

    # The same row again: the worker finds it sent and delivers nothing more.
    send_outbox_email.apply_async(args=[row.pk], queue=queue)
    assert _wait_for(lambda: "'already_sent'" in log_path.read_text(), timeout=30), (
        log_path.read_text()
    )
    assert len([m for m in _messages(mail_dir) if m["Subject"] == subject]) == 1


def test_an_email_waits_in_the_outbox_while_the_broker_is_down(
    dead_broker, db, django_capture_on_commit_callbacks, mailoutbox, caplog
):
    message = EmailMessage(
        subject="Welcome aboard",
        body="Sent once the broker is back.",
        from_email="Orgportal <no-reply@orgportal.local>",
        to=["later@example.com"],
    )

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_email(message)
        assert mailoutbox == []  # nothing leaves before the transaction commits
    elapsed = time.monotonic() - started

    assert len(callbacks) == 1
    # The broker timeouts bound the one try to about two seconds (a hung broker without
    # them blocks for minutes); the margin is for a loaded machine.
    assert elapsed < 8, f"queue_email blocked for {elapsed:.1f} s on a dead broker"
    assert mailoutbox == []
    row = OutboxEmail.objects.get()
    assert (row.recipient, row.status) == ("later@example.com", "queued")
    assert "the sweep will retry it" in caplog.text

    dead_broker.restore()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert sweep()["requeued_emails"] == 1
    assert [(m.subject, m.to) for m in mailoutbox] == [("Welcome aboard", ["later@example.com"])]

"""Emails really travel through the broker to a worker, and survive a dead broker."""

import email
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.core.mail import EmailMessage

from accounts.mail import queue_email
from accounts.tasks import send_email_message
from config.celery_app import app as celery_app

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


@pytest.fixture
def worker(tmp_path):
    """A real `celery worker` process consuming a queue of its own.

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
        # Sending email needs no database: give the worker one it cannot open.
        DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'no.sqlite3'}",
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
def test_a_worker_process_sends_an_email_queued_in_redis(worker):
    queue, mail_dir, log_path = worker
    subject = f"Round trip {uuid.uuid4().hex[:8]}"
    celery_app.conf.task_always_eager = False  # the autouse fixture restores it

    send_email_message.apply_async(
        kwargs={
            "subject": subject,
            "body": "Delivered by the worker.",
            "to": ["roundtrip@example.com"],
            "from_email": "Orgportal <no-reply@orgportal.local>",
        },
        queue=queue,
    )

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
    assert f"sent email '{subject}' to roundtrip@example.com" in log_path.read_text()


@pytest.fixture
def stalled_broker():
    """A port that accepts connections and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.fixture(params=["refused", "stalled"])
def dead_broker(request, monkeypatch):
    """Celery pointed at a broker that is down (refused) or hung (stalled), then restored."""
    # These variables take precedence over the configured URL.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    if request.param == "refused":
        url = "redis://127.0.0.1:1/0"
    else:
        url = request.getfixturevalue("stalled_broker")
    conf = celery_app.conf
    saved = (
        conf.broker_url,
        conf.task_always_eager,
        celery_app._pool,
        celery_app.amqp._producer_pool,
    )
    # The app caches its connection pool and producer pool for the old URL: drop both.
    conf.broker_url = url
    conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield url
    finally:
        if celery_app.amqp._producer_pool is not None:
            celery_app.amqp._producer_pool.force_close_all()
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        (
            conf.broker_url,
            conf.task_always_eager,
            celery_app._pool,
            celery_app.amqp._producer_pool,
        ) = saved


def test_an_email_is_sent_inline_when_the_broker_is_down(
    dead_broker, db, django_capture_on_commit_callbacks, mailoutbox, caplog
):
    message = EmailMessage(
        subject="Welcome aboard",
        body="Sent even without a broker.",
        from_email="Orgportal <no-reply@orgportal.local>",
        to=["inline@example.com"],
    )

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_email(message)
        assert mailoutbox == []  # nothing leaves before the transaction commits
    elapsed = time.monotonic() - started

    assert len(callbacks) == 1
    assert elapsed < 3, f"queue_email blocked for {elapsed:.1f} s on a dead broker"
    assert [(m.subject, m.to, m.body) for m in mailoutbox] == [
        ("Welcome aboard", ["inline@example.com"], "Sent even without a broker.")
    ]
    assert "could not queue email 'Welcome aboard'; sending it inline" in caplog.text

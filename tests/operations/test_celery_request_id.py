"""A real worker process logs the request id of the request that queued its task."""

import uuid

import pytest

from config.celery_app import app as celery_app
from notifications.models import OutboxEmail
from notifications.tasks import send_outbox_email
from operations.context import request_id_var
from tests.test_celery_roundtrip import _wait_for, worker  # noqa: F401 - the fixture


@pytest.mark.needs_redis
@pytest.mark.needs_postgres
def test_the_worker_logs_the_request_id_that_queued_the_task(worker):  # noqa: F811
    queue, _mail_dir, log_path = worker
    subject = f"Request id {uuid.uuid4().hex[:8]}"
    row = OutboxEmail.objects.create(
        recipient="rid@example.com",
        template="test",
        subject=subject,
        body_text="b",
        from_email="Orgportal <no-reply@orgportal.local>",
    )
    celery_app.conf.task_always_eager = False  # the autouse fixture restores it
    request_id = f"web-{uuid.uuid4().hex[:12]}"
    token = request_id_var.set(request_id)
    try:
        send_outbox_email.apply_async(args=[row.pk], queue=queue)
    finally:
        request_id_var.reset(token)

    line = _wait_for(
        lambda: next(
            (t for t in log_path.read_text().splitlines() if f"sent email '{subject}'" in t),
            None,
        ),
        timeout=30,
    )
    assert line, log_path.read_text()
    assert f"[{request_id}]" in line

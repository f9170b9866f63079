"""Celery: a queued task carries the request id of the request that queued it, and
every task outcome is counted.

The id travels as the message header `orgportal_request_id`; the worker sets it as
the current request id while the task runs, so the task's log lines carry it. A task
run in-process (eager) keeps the id of the request it runs in.
"""

from celery import signals

from config.metrics import CELERY_TASKS

from .context import current_request_id, request_id_var, valid_request_id

HEADER = "orgportal_request_id"

# task id -> the context token to restore when the task ends
_tokens: dict[str, object] = {}


@signals.before_task_publish.connect(weak=False)
def _add_request_id(headers=None, **kwargs):
    request_id = current_request_id()
    if request_id and headers is not None and HEADER not in headers:
        headers[HEADER] = request_id


def _header(request) -> str | None:
    # A worker sets a message's custom headers as attributes of the request and in
    # `request.headers`; `Task.apply(headers=...)` only in the latter.
    value = getattr(request, HEADER, None)
    if value is None and isinstance(getattr(request, "headers", None), dict):
        value = request.headers.get(HEADER)
    return value if isinstance(value, str) else None


@signals.task_prerun.connect(weak=False)
def _set_request_id(task_id=None, task=None, **kwargs):
    request_id = valid_request_id(_header(task.request)) if task else None
    if request_id and task_id:
        _tokens[task_id] = request_id_var.set(request_id)


@signals.task_postrun.connect(weak=False)
def _reset_request_id(task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


def _count(task, outcome: str) -> None:
    name = getattr(task, "name", None) or "unknown"
    CELERY_TASKS.labels(task=name, outcome=outcome).inc()


@signals.task_success.connect(weak=False)
def _succeeded(sender=None, **kwargs):
    _count(sender, "succeeded")


@signals.task_failure.connect(weak=False)
def _failed(sender=None, **kwargs):
    _count(sender, "failed")


@signals.task_retry.connect(weak=False)
def _retried(sender=None, **kwargs):
    _count(sender, "retried")


@signals.task_rejected.connect(weak=False)
def _rejected(sender=None, message=None, **kwargs):
    CELERY_TASKS.labels(task="unknown", outcome="rejected").inc()


@signals.task_revoked.connect(weak=False)
def _revoked(sender=None, request=None, **kwargs):
    _count(sender, "revoked")

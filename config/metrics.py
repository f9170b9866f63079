"""The portal's Prometheus counters and histograms, importable from any app.

This module imports nothing of the portal's apps, so every layer may count here
(`organizations` counts seat refusals, `invitations` counts invitations) without
importing what sits above it. `operations.metrics` serves them at `/metrics`,
together with gauges read from the database at scrape time.

Labels carry names the code chooses (a view's route name, a status code, a task
name, a resource), never user data: no email, org name, path or id.

With `PROMETHEUS_MULTIPROC_DIR` set (before the process starts), prometheus-client
writes every value to files in that directory, so that `/metrics` adds up the
gunicorn workers and Celery worker processes that share it.
"""

import os

from django.db import transaction

# prometheus-client opens its files there as the metrics below are made: a process
# started before the directory exists (a management command) must not fail on it.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import Counter, Histogram

REQUEST_LATENCY = Histogram(
    "orgportal_http_request_duration_seconds",
    "Time to answer a request, by view (route name) and status code.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
INVITATIONS_SENT = Counter(
    "orgportal_invitations_sent",
    "Invitation links sent, new or sent again.",
    ["kind"],
)
INVITATIONS_ACCEPTED = Counter(
    "orgportal_invitations_accepted",
    "Invitations accepted.",
)
SEAT_REFUSALS = Counter(
    "orgportal_seat_refusals",
    "Writes refused because too few seats were left, by resource.",
    ["resource"],
)
CELERY_TASKS = Counter(
    "orgportal_celery_tasks",
    "Celery task runs by task name and outcome (succeeded, failed, retried, rejected).",
    ["task", "outcome"],
)


def count_on_commit(counter, amount: float = 1, **labels) -> None:
    """Increment `counter` once the current transaction commits (at once outside one).

    A rolled-back change counts nothing, as it sends nothing.
    """
    child = counter.labels(**labels) if labels else counter
    transaction.on_commit(lambda: child.inc(amount), robust=True)


def count_seat_refusal(resource: str) -> None:
    """A refusal happened even if its transaction rolls back: count it at once."""
    SEAT_REFUSALS.labels(resource=resource).inc()

"""/healthz and /readyz: JSON, one entry per check, 200 or 503, whatever the Host."""

import json
import time

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import OutboxEmail
from operations import health

CLOSED_REDIS = "redis://:hunter2-redis-password@127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _no_redis_configured(settings):
    """Each test says which Redis it wants; by default none is configured."""
    settings.REDIS_URL = ""
    settings.REDIS_CACHE_URL = ""


def _probe(client, path, **extra):
    response = client.get(path, HTTP_HOST="10.0.3.7:8000", **extra)
    return response, json.loads(response.content)


def test_healthz_answers_any_host_without_touching_anything(client):
    """No `db` fixture: any query would raise."""
    assert "10.0.3.7" not in settings.ALLOWED_HOSTS
    response, body = _probe(client, "/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body == {"status": "ok"}
    # The same Host header on a page is refused as usual.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.3.7:8000").status_code == 400


def test_readyz_is_ready_with_every_check_named(client, db):
    response, body = _probe(client, "/readyz")
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "outbox"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert response["Cache-Control"] == "no-store"


def test_probes_are_exempt_from_the_https_redirect(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/accounts/login/").status_code == 301
    assert _probe(client, "/healthz")[0].status_code == 200
    assert _probe(client, "/readyz")[0].status_code == 200
    assert _probe(client, "/readyz/")[0].status_code == 200


def test_the_probe_middleware_runs_before_host_validation():
    middleware = settings.MIDDLEWARE
    assert middleware.index("operations.middleware.ProbeMiddleware") < middleware.index(
        "django.middleware.common.CommonMiddleware"
    )
    assert middleware.index("operations.middleware.ProbeMiddleware") > middleware.index(
        "django.middleware.security.SecurityMiddleware"
    )


def test_readyz_fails_while_the_database_is_unreachable_and_recovers(
    client, db, monkeypatch, tmp_path
):
    broken = connection.copy()
    if connection.vendor == "postgresql":
        broken.settings_dict["HOST"] = "127.0.0.1"
        broken.settings_dict["PORT"] = 1
    else:
        broken.settings_dict["NAME"] = str(tmp_path / "missing-dir" / "db.sqlite3")
    monkeypatch.setattr(health, "database_connection", lambda: broken)

    response, body = _probe(client, "/readyz")
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert body["checks"]["migrations"]["status"] == "fail"
    # No host, port, user or file name of the database in the answer.
    text = response.content.decode()
    assert "missing-dir" not in text and "127.0.0.1" not in text
    broken.close()

    monkeypatch.setattr(health, "database_connection", lambda: connection)
    response, body = _probe(client, "/readyz")
    assert response.status_code == 200, body
    assert body["checks"]["database"]["status"] == "ok"


def test_readyz_fails_while_redis_is_unreachable(client, db, settings):
    settings.REDIS_URL = CLOSED_REDIS
    response, body = _probe(client, "/readyz")
    assert response.status_code == 503
    assert body["checks"]["redis"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert "hunter2" not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()


def test_a_hung_redis_does_not_hang_the_probe(client, db, settings, stalled_broker):
    settings.REDIS_URL = stalled_broker
    settings.READYZ_TIMEOUT_SECONDS = 0.3
    started = time.monotonic()
    response, body = _probe(client, "/readyz")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert body["checks"]["redis"] == {"status": "fail", "error": "TimeoutError"}


@pytest.mark.needs_redis
def test_readyz_is_ready_again_once_redis_is_back(client, db, settings):
    import os

    settings.REDIS_URL = CLOSED_REDIS
    assert _probe(client, "/readyz")[0].status_code == 503
    settings.REDIS_URL = os.environ["REDIS_URL"]
    settings.REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL", "")
    response, body = _probe(client, "/readyz")
    assert response.status_code == 200, body
    assert body["checks"]["redis"]["status"] == "ok"


def test_redis_can_be_reported_without_failing_readiness(client, db, settings):
    settings.REDIS_URL = CLOSED_REDIS
    settings.READYZ_REDIS_REQUIRED = False
    response, body = _probe(client, "/readyz")
    assert response.status_code == 200
    assert body["checks"]["redis"] == {
        "status": "fail",
        "error": "ConnectionError",
        "required": False,
    }


def test_a_separate_cache_redis_is_checked_too(client, db, settings):
    settings.REDIS_CACHE_URL = CLOSED_REDIS
    response, body = _probe(client, "/readyz")
    assert response.status_code == 503
    assert body["checks"]["cache"]["status"] == "fail"
    assert "redis" not in body["checks"]


def test_an_outbox_backlog_over_the_threshold_fails_readiness(client, db, settings):
    settings.READYZ_OUTBOX_BACKLOG_MAX = 2
    for n in range(3):
        OutboxEmail.objects.create(recipient=f"r{n}@example.com", subject="s", body_text="b")
    OutboxEmail.objects.create(recipient="x@example.com", subject="s", body_text="b", status="sent")

    response, body = _probe(client, "/readyz")
    assert response.status_code == 503
    assert body["checks"]["outbox"]["status"] == "fail"
    assert body["checks"]["outbox"]["backlog"] == 3
    assert body["checks"]["outbox"]["threshold"] == 2

    OutboxEmail.objects.filter(recipient="r0@example.com").update(status="sent")
    response, body = _probe(client, "/readyz")
    assert response.status_code == 200
    assert body["checks"]["outbox"]["backlog"] == 2


def test_unapplied_migrations_fail_readiness(client, db, monkeypatch):
    class Unmigrated:
        def __init__(self, connection):
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})

        def migration_plan(self, targets):
            return [("organizations", "9999_next")]

    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(health, "MigrationExecutor", Unmigrated)
    response, body = _probe(client, "/readyz")
    assert response.status_code == 503
    assert body["checks"]["migrations"] == {
        "status": "fail",
        "error": "unapplied migrations",
        "unapplied": 1,
    }


def test_the_version_is_shown_only_when_the_operator_sets_it(client, db, settings):
    assert "version" not in _probe(client, "/healthz")[1]
    settings.HEALTH_VERSION = "2026.12"
    assert _probe(client, "/healthz")[1]["version"] == "2026.12"
    assert _probe(client, "/readyz")[1]["version"] == "2026.12"


def test_probes_answer_only_get_and_head(client, db):
    assert client.post("/readyz", HTTP_HOST="10.0.3.7").status_code == 405
    assert client.head("/healthz", HTTP_HOST="10.0.3.7").status_code == 200


@pytest.mark.needs_postgres
def test_a_hung_database_cannot_hold_a_connection_for_ever():
    assert int(connection.settings_dict["OPTIONS"]["connect_timeout"]) <= 10

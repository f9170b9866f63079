"""Liveness and readiness probes for load balancers and orchestrators.

`/healthz` says the process answers and touches nothing. `/readyz` runs each check
and answers 200 when all that are required pass, 503 otherwise, with one entry per
check. Entries name the failing check and the kind of error (an exception's class),
never a host, a password or a message that could carry one.

Each check is bounded in time: Redis is pinged with `READYZ_TIMEOUT_SECONDS` for the
connection and the answer; the database through Django's connection, whose connect
timeout on PostgreSQL is `DATABASE_CONNECT_TIMEOUT` (5 s) unless DATABASE_URL sets one.
"""

import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone

OK = "ok"
FAIL = "fail"

# Once a process has seen every migration applied, it does not load the migration
# graph again: migrations are not unapplied under a running release.
_migrations_applied = False


def database_connection():
    """The connection the checks use (tests swap it for one that cannot connect)."""
    return connections[DEFAULT_DB_ALIAS]


def _error(exc: BaseException) -> dict:
    return {"status": FAIL, "error": type(exc).__name__}


def check_database() -> dict:
    connection = database_connection()
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        # A broken connection must not stay in use for the next request.
        connection.close_if_unusable_or_obsolete()
        return _error(exc)
    return {"status": OK, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}


def check_migrations() -> dict:
    global _migrations_applied
    if _migrations_applied:
        return {"status": OK}
    connection = database_connection()
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return _error(exc)
    if plan:
        return {"status": FAIL, "error": "unapplied migrations", "unapplied": len(plan)}
    _migrations_applied = True
    return {"status": OK}


def check_redis(url: str) -> dict:
    import redis

    timeout = settings.READYZ_TIMEOUT_SECONDS
    client = redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, retry_on_timeout=False
    )
    started = time.perf_counter()
    try:
        client.ping()
    except Exception as exc:
        return _error(exc)
    finally:
        client.close()
    return {"status": OK, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}


def check_outbox() -> dict:
    """Emails not sent yet (queued or being sent) stay under READYZ_OUTBOX_BACKLOG_MAX."""
    from django.db.models import Min

    from notifications.models import OutboxEmail

    threshold = settings.READYZ_OUTBOX_BACKLOG_MAX
    try:
        unsent = OutboxEmail.objects.using(database_connection().alias).filter(
            status__in=[OutboxEmail.Status.QUEUED, OutboxEmail.Status.SENDING]
        )
        # Counting stops past the threshold: a huge backlog costs no more than a small one.
        backlog = unsent.values("pk")[: threshold + 1].count()
        oldest = unsent.aggregate(oldest=Min("created_at"))["oldest"]
    except Exception as exc:
        return _error(exc)
    entry = {
        "status": OK if backlog <= threshold else FAIL,
        "backlog": backlog,
        "threshold": threshold,
        "oldest_unsent_age_seconds": (
            round((timezone.now() - oldest).total_seconds()) if oldest else 0
        ),
    }
    if backlog > threshold:
        entry["error"] = "backlog over threshold"
    return entry


def readiness() -> tuple[bool, dict]:
    """(ready, checks): every check's entry; ready when every required one passed."""
    checks = {"database": check_database()}
    if checks["database"]["status"] == OK:
        checks["migrations"] = check_migrations()
        checks["outbox"] = check_outbox()
    else:
        skipped = {"status": FAIL, "error": "database unreachable"}
        checks["migrations"] = dict(skipped)
        checks["outbox"] = dict(skipped)
    required = set(checks)
    redis_urls = {"redis": settings.REDIS_URL, "cache": settings.REDIS_CACHE_URL}
    for name, url in redis_urls.items():
        if url and not (name == "cache" and url == settings.REDIS_URL):
            checks[name] = check_redis(url)
            if settings.READYZ_REDIS_REQUIRED:
                required.add(name)
            else:
                checks[name]["required"] = False
    ready = all(checks[name]["status"] == OK for name in required)
    return ready, checks


def _with_version(body: dict) -> dict:
    if settings.HEALTH_VERSION:
        body["version"] = settings.HEALTH_VERSION
    return body


def healthz(request):
    """Liveness: the process answers. Touches no database, cache or broker."""
    return _no_store(JsonResponse(_with_version({"status": OK})))


def readyz(request):
    """Readiness: 200 when every required check passes, else 503 naming the failures."""
    ready, checks = readiness()
    body = {"status": OK if ready else FAIL, "checks": checks}
    return _no_store(JsonResponse(_with_version(body), status=200 if ready else 503))


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response

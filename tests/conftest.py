import os
import socket
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from config.celery_app import app as celery_app
from organizations.models import GovernanceSettings, Membership

from .factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory


def _skip_reason(marker_name: str) -> str | None:
    if marker_name == "needs_postgres" and connection.vendor != "postgresql":
        return (
            "needs PostgreSQL: set DATABASE_URL=postgres://… "
            "(row locks, and a database a worker process can share)"
        )
    if marker_name == "needs_redis" and not os.environ.get("REDIS_URL"):
        return "needs Redis and a Celery worker: set REDIS_URL=redis://…"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in ("needs_postgres", "needs_redis"):
            if item.get_closest_marker(marker):
                reason = _skip_reason(marker)
                if reason:
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _broker_assumed_up(monkeypatch):
    """A failed publish in one test must not make the next tests skip the broker."""
    monkeypatch.setattr("notifications.services._broker_down_until", 0.0)


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tests run tasks in-process unless a test starts a real worker itself."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def governance(db):
    """The governance settings row, to change for one test."""
    return GovernanceSettings.get_solo()


@pytest.fixture
def auto_approve(governance):
    """Self-registered orgs are active at once (the default is a pending request)."""
    governance.auto_approve = True
    governance.save()
    return governance


@pytest.fixture
def platform_admin(db):
    """Staff with the approve permission, who is not a superuser."""
    user = UserFactory(email="platform@example.com", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="organizations", codename="approve_organization"
        ),
        Permission.objects.get(
            content_type__app_label="organizations", codename="add_organization"
        ),
    )
    return user


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com")


@pytest.fixture
def org(owner):
    return OrganizationFactory(created_by=owner, name="acme", display_name="Acme Corporation")


@pytest.fixture
def admin_user(org):
    return MembershipFactory(organization=org, role=Membership.Role.ADMIN).user


@pytest.fixture
def member_user(org):
    return MembershipFactory(organization=org, role=Membership.Role.MEMBER).user


@pytest.fixture
def outsider(db):
    """A verified user who belongs to another org only."""
    user = UserFactory()
    OrganizationFactory(created_by=user)
    return user


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and cached values do not leak from one test into another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stalled_broker():
    """A port that accepts connections and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.fixture(params=["refused", "stalled"])
def dead_broker(request, monkeypatch):
    """Celery pointed at a broker that is down (refused) or hung (stalled).

    `dead_broker.restore()` brings the configured broker back (eager in tests) before
    the test ends; otherwise it comes back at teardown.
    """
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

    def restore():
        if conf.broker_url != url:
            return
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

    # The app caches its connection pool and producer pool for the old URL: drop both.
    conf.broker_url = url
    conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield SimpleNamespace(url=url, restore=restore)
    finally:
        restore()


# --- Operations: log capture (reused by every flow that must keep secrets out of logs) --


@pytest.fixture
def captured_logs():
    """Everything logged during the test, as the production handler writes it.

    `captured_logs.text`, `.json_entries`, `.request_lines()`, and
    `.assert_free_of(secret, ...)`; see `tests/logcapture.py`.
    """
    from .logcapture import capture_logs

    with capture_logs() as logs:
        yield logs


@pytest.fixture
def prepared_statements():
    """The test connection preparing every statement, as production does from a
    statement's fifth run (server-side binding, see settings); the statements the
    server holds prepared are read from `pg_prepared_statements`."""
    from django.db import connection
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    driver = connection.connection
    kept = driver.cursor_factory, driver.prepare_threshold
    driver.cursor_factory, driver.prepare_threshold = ServerBindingCursor, 0

    def held() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    yield held
    driver.execute("DEALLOCATE ALL")
    driver.cursor_factory, driver.prepare_threshold = kept

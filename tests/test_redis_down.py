"""Redis going away does not take the portal down: config/cache.py and the broker
fallback in notifications/services.py, with the cache at a closed or a hung port."""

import logging
import os
import socket

import pytest
from django.core.cache import cache, caches
from django.test import override_settings
from django.urls import reverse

from config import cache as fail_open
from invitations.models import Invitation
from notifications.models import OutboxEmail

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["closed", "hung"])
def dead_cache(request):
    """The cache pointed at a port that refuses connections, or one that never answers."""
    if request.param == "closed":
        location = f"redis://127.0.0.1:{closed_port()}/0"
        listener = None
    else:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        location = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    backend = {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": location,
        "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
    }
    with override_settings(CACHES={"default": backend}):
        yield caches["default"]
    if listener is not None:
        listener.close()


def test_the_cache_answers_like_an_empty_one_and_logs_a_warning(dead_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert dead_cache.get("k", "fallback") == "fallback"
    assert "cache unreachable" in caplog.text
    assert dead_cache.add("lock", 1) is True
    assert dead_cache.incr("counter") == 1
    assert dead_cache.get_many(["a", "b"]) == {}
    assert dead_cache.set("k", 1) is None
    assert not dead_cache.is_reachable


def test_after_a_failure_the_process_leaves_redis_alone_for_a_while(dead_cache, monkeypatch):
    dead_cache.get("first")
    calls = []
    monkeypatch.setattr(
        fail_open.RedisCache, "get", lambda *args, **kwargs: calls.append(args) or "live"
    )
    assert dead_cache.get("second", "miss") == "miss"
    assert calls == []


def test_sign_in_works_with_the_cache_down(client, dead_cache):
    user = UserFactory(email="someone@example.com")
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("organizations:list")).status_code == 200


def test_sign_up_and_password_reset_work_with_the_cache_down(client, dead_cache):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
            "account_type": "personal",
        },
    )
    assert response.status_code in (200, 302)
    assert response.status_code < 500
    reset = client.post(reverse("account_reset_password"), {"email": "new@example.com"})
    assert reset.status_code == 302


def test_invite_and_accept_pages_work_with_cache_and_broker_down(
    client_for, org, owner, dead_cache, dead_broker
):
    client = client_for(owner)
    response = client.post(
        reverse("invitations:create", args=[org.name]),
        {"emails": "friend@example.com", "role": "member"},
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="friend@example.com").exists()
    email = OutboxEmail.objects.get(recipient="friend@example.com")
    assert email.status == OutboxEmail.Status.QUEUED  # waits for the sweep
    assert client.get(reverse("invitations:list", args=[org.name])).status_code == 200


@pytest.mark.skipif(not os.environ.get("REDIS_CACHE_URL"), reason="needs REDIS_CACHE_URL")
def test_with_redis_up_the_cache_is_a_normal_redis_cache():
    backend = {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": os.environ["REDIS_CACHE_URL"],
    }
    with override_settings(CACHES={"default": backend}):
        live = caches["default"]
        live.set("fail-open-check", 41)
        assert live.incr("fail-open-check") == 42
        assert live.add("fail-open-check", 0) is False
        assert live.is_reachable
        live.delete("fail-open-check")
    assert cache.get("anything") is None

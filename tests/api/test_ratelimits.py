"""Rate limits per client: headers on every answer, 429 past the limit, reset after."""

import time

import pytest
import time_machine

from .conftest import as_json

pytestmark = pytest.mark.django_db

ORGS = "/api/v2/organizations"


def test_headers_count_down_then_429_then_recover(platform_api, settings):
    settings.API_RATE_LIMIT = 3
    settings.API_RATE_LIMIT_WINDOW_SECONDS = 60
    start = time.time()
    with time_machine.travel(start, tick=False):
        seen = []
        for _ in range(3):
            response = platform_api.get(ORGS)
            assert response.status_code == 200
            seen.append(int(response["X-RateLimit-Remaining"]))
            assert response["X-RateLimit-Limit"] == "3"
        assert seen == [2, 1, 0]
        refused = platform_api.get(ORGS)
        assert refused.status_code == 429
        assert as_json(refused) == {
            "statusCode": 429,
            "error": "Too Many Requests",
            "message": "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining "
            "and X-RateLimit-Reset headers.",
            "errorCode": "too_many_requests",
        }
        assert refused["X-RateLimit-Remaining"] == "0"
        reset = int(refused["X-RateLimit-Reset"])
        assert start < reset <= start + 60
    with time_machine.travel(reset + 1, tick=False):
        again = platform_api.get(ORGS)
        assert again.status_code == 200
        assert again["X-RateLimit-Remaining"] == "2"


def test_limits_are_per_client(api, make_platform_client, settings):
    settings.API_RATE_LIMIT = 1
    first = api(make_platform_client(name="One"))
    second = api(make_platform_client(name="Two"))
    with time_machine.travel(time.time(), tick=False):
        assert first.get(ORGS).status_code == 200
        assert first.get(ORGS).status_code == 429
        assert second.get(ORGS).status_code == 200


def test_the_limiter_fails_open_when_the_cache_is_down(platform_api, settings, monkeypatch):
    """A cache that cannot count (Redis down: `incr` answers the first hit) lets requests by."""
    from django.core.cache import cache

    settings.API_RATE_LIMIT = 1
    monkeypatch.setattr(cache, "add", lambda *a, **k: True)
    monkeypatch.setattr(cache, "incr", lambda key, delta=1, version=None: delta)
    for _ in range(3):
        response = platform_api.get(ORGS)
        assert response.status_code == 200
        assert response["X-RateLimit-Remaining"] == "0"

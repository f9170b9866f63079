"""Fixed-window rate limits kept in the cache (Redis in production)."""

import time

from django.core.cache import cache

ORG_CREATE_LIMIT = 10
ORG_CREATE_PERIOD = 3600


def allow(key: str, *, limit: int, period: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fall in one `period`."""
    window = int(time.time() // period)
    cache_key = f"ratelimit:{key}:{window}"
    cache.add(cache_key, 0, timeout=period)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the key expired between add and incr
        cache.set(cache_key, 1, timeout=period)
        count = 1
    return count <= limit

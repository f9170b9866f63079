"""A Redis cache that fails open: when Redis is unreachable it acts as an empty cache.

The cache holds only what the portal can do without for a while: rate-limit counters
(ours and allauth's) and cached values. Sessions live in the database. So when Redis is
down or hung, every page keeps working: a read misses, a write is dropped, a counter
starts from one (the rate limits let the request through), and a warning is logged.

After a failure the process leaves Redis alone for `BACKOFF_SECONDS`, so that a hung
server costs one short timeout, not one per cache call of every request.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
BACKOFF_SECONDS = 15.0


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, answering like an empty cache while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0

    def _call(self, name: str, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as exc:
            self._down_until = time.monotonic() + BACKOFF_SECONDS
            logger.warning(
                "cache unreachable (%s: %s); acting as an empty cache for %.0fs",
                type(exc).__name__,
                exc,
                BACKOFF_SECONDS,
            )
            return fallback

    @property
    def is_reachable(self) -> bool:
        """False while this process is leaving Redis alone after a failure."""
        return time.monotonic() >= self._down_until

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # As if stored: a lock taken with add() is granted, so nothing waits on it.
        return self._call("add", True, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def incr(self, key, delta=1, version=None):
        # A counter that cannot be read starts again: the first hit of a window.
        return self._call("incr", delta, key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", -delta, key, delta, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)

"""Requests per client in fixed windows, counted in the cache (Redis in production).

Every answer of the API carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (the Unix time the window ends), as Auth0's do; past the limit it
answers 429. A request with a valid token counts for its client; one without counts
for its IP address, so that guessing tokens is limited too.

When the cache is unreachable (`config.cache.FailOpenRedisCache`) the limiter fails
open: the counter reads as the first hit of the window, so the API keeps serving and
the headers say `Remaining = Limit - 1`. Shutting the API off because the cache is
down would turn a cache outage into an API outage; a limit that is briefly not
enforced costs less.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int  # Unix time the window ends

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset),
        }


def hit(key: str, *, limit: int | None = None, now: float | None = None) -> RateLimit:
    """Count one request for `key` in the current window and say what is left."""
    limit = settings.API_RATE_LIMIT if limit is None else limit
    window = settings.API_RATE_LIMIT_WINDOW_SECONDS
    now = time.time() if now is None else now
    start = int(now // window) * window
    cache_key = f"api-rl:{key}:{start}"
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    return RateLimit(limit=limit, remaining=limit - count, reset=start + window)

"""Error reporting to Sentry, on only when `SENTRY_DSN` is set.

No personal data is sent by default (`send_default_pii=False`: no cookies, no user
ids or addresses, no request bodies), and the secrets our URLs carry are redacted
from the request URL of every event. Performance tracing stays off unless
`SENTRY_TRACES_SAMPLE_RATE` is set.
"""


def _scrub(event, hint):
    from operations.logs import redact_path

    request = event.get("request") or {}
    url = request.get("url")
    if isinstance(url, str) and "://" in url:
        scheme, _, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        request["url"] = f"{scheme}://{host}{redact_path(slash + path.split('?', 1)[0])}"
    request.pop("query_string", None)
    return event


def init_sentry(
    *, dsn: str, traces_sample_rate: float | None, environment: str = "", release: str = ""
) -> bool:
    """Turn on sentry-sdk with the Django and Celery integrations; False when no DSN."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        environment=environment or None,
        release=release or None,
        before_send=_scrub,
    )
    return True

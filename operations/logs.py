"""Log records carry the request id; one formatter writes plain text, one JSON lines.

The standard library's logging is enough here: a filter adds the request id (from a
context variable, so Celery tasks and every library's records get it too), and a
small formatter writes one JSON object per line. django-structlog would bring
structlog's processor chain, its own request middleware and a second way to log
beside the libraries' stdlib loggers, for no field we cannot add with a filter.

Paths are logged without their secrets: the value of any URL argument named in
`SECRET_URL_KWARGS` (invitation tokens, password-reset and email-confirmation keys)
becomes `[redacted]`, in our request lines and in Django's own `django.request` and
`django.server` records. Query strings and request bodies are never logged.
"""

import json
import logging
from datetime import UTC, datetime

from .context import current_request_id

SECRET_URL_KWARGS = frozenset({"token", "key", "uidb36", "uidb64"})
REDACTED = "[redacted]"

# Attributes of our request records written as JSON fields (and ignored in plain text,
# whose message already says them).
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id", "org", "view")


# Control characters of a path (sent percent-encoded) are escaped: a request cannot
# write a line of its own into a plain-text log.
_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(32), 127]}
PATH_MAX_LENGTH = 500


def printable(text: str) -> str:
    """`text` with control characters escaped, cut to PATH_MAX_LENGTH characters."""
    return text[:PATH_MAX_LENGTH].translate(_ESCAPES)


def redact_path(path: str, match=None) -> str:
    """`path` with the values of its secret URL arguments replaced by `[redacted]`.

    `match` is the path's resolver match when the caller has it already.
    """
    from django.urls import Resolver404, resolve

    if match is None:
        try:
            match = resolve(path)
        except (Resolver404, ValueError, TypeError):
            return path
    for name, value in match.kwargs.items():
        if name in SECRET_URL_KWARGS and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (`-` outside a request or task) to every record."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


class RedactPathFilter(logging.Filter):
    """Redacts secret URL arguments in the paths that Django's loggers write.

    `django.request` logs "Not Found: <path>" with the path as an argument;
    `django.server` (runserver) logs the whole request line.
    """

    def filter(self, record):
        if record.name == "orgportal.request":
            return True  # redacted when written
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(self._redact(arg) for arg in record.args)
        return True

    @staticmethod
    def _redact(arg):
        if not isinstance(arg, str) or "/" not in arg:
            return arg
        parts = arg.split(" ")
        if len(parts) == 3 and parts[1].startswith("/"):  # "GET /path?query HTTP/1.1"
            path = parts[1].split("?", 1)[0]
            return f"{parts[0]} {redact_path(path)} {parts[2]}"
        if arg.startswith("/"):
            return redact_path(arg.split("?", 1)[0])
        return arg


class PlainFormatter(logging.Formatter):
    """`<time> <LEVEL> <logger> [<request id>] <message>`."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and for
    request lines method, path, status, duration_ms, user_id, org and view."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(*, level: str = "INFO", fmt: str = "plain") -> dict:
    """The LOGGING setting: everything to the console, plain text or JSON lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "operations.logs.RequestIdFilter"},
            "redact_paths": {"()": "operations.logs.RedactPathFilter"},
        },
        "formatters": {
            "plain": {"()": "operations.logs.PlainFormatter"},
            "json": {"()": "operations.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if fmt == "json" else "plain",
                "filters": ["request_id", "redact_paths"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }

"""The request id of what is running now: a web request, or a task it queued."""

import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("orgportal_request_id", default=None)

# What a trusted proxy may send: letters, digits and `-_.:`, up to 128 characters
# (a UUID, nginx's 32 hex digits, a load balancer's "Root=1-…" id all fit).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:=-]{1,128}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """`value` when it is a well-formed request id, else None."""
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return None


def current_request_id() -> str | None:
    return request_id_var.get()

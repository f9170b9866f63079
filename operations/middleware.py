"""Middleware: the probes and `/metrics` answered early, and one log line per request."""

import logging
import time

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpResponseNotAllowed
from django.utils.functional import SimpleLazyObject, empty

from config.metrics import REQUEST_LATENCY

from . import health, metrics
from .context import new_request_id, request_id_var, valid_request_id
from .logs import printable, redact_path

request_logger = logging.getLogger("orgportal.request")

PROBES = {
    "/healthz": ("healthz", health.healthz),
    "/readyz": ("readyz", health.readyz),
    "/metrics": ("metrics", metrics.metrics),
}
# Methods are sent by the client: anything else is counted as "other", so that the
# metric's labels stay a short, fixed list.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ProbeMiddleware:
    """Answers `/healthz`, `/readyz` and `/metrics` before anything looks at the host.

    A load balancer probes a backend by its address, whose Host header is not in
    `ALLOWED_HOSTS`; Django would answer 400 from `CommonMiddleware` (which reads the
    host). Placed before it (and after `SecurityMiddleware`, whose HTTPS redirect
    skips these paths through `SECURE_REDIRECT_EXEMPT`), this answers them whatever
    the Host header, without sessions or authentication. They are GET/HEAD only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is None:
            return self.get_response(request)
        name, view = probe
        request.probe_name = name
        if request.method not in ("GET", "HEAD"):
            response = HttpResponseNotAllowed(["GET", "HEAD"])
        else:
            response = view(request)
        # Our request line has it: no "Service Unavailable" error from django.request
        # (and so no error report) for every probe while a dependency is down.
        response._has_been_logged = True
        return response


def _user_id(request):
    """The signed-in user's id if this request already loaded the user (no extra query)."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestLogMiddleware:
    """Gives each request an id, times it, logs one line and records its latency.

    The id is the `X-Request-ID` header when `REQUEST_ID_FROM_PROXY` trusts it (a
    proxy in front sets or passes it) and it is well-formed; otherwise a new one. It is
    returned in the response's `X-Request-ID` and carried by every log line written
    while the request runs, including those of the Celery tasks it queues.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = None
        if settings.REQUEST_ID_FROM_PROXY:
            request_id = valid_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request_id = request_id or new_request_id()
        request.request_id = request_id
        # Kept until the response is closed (`request_finished`), so that the lines
        # Django's handler writes after the middleware (django.request) carry it too.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        response["X-Request-ID"] = request_id
        self._record(request, response, duration)
        return response

    def _record(self, request, response, duration: float) -> None:
        match = getattr(request, "resolver_match", None)
        view = getattr(request, "probe_name", None) or (
            match.view_name if match is not None else "unmatched"
        )
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUEST_LATENCY.labels(view=view, method=method, status=str(response.status_code)).observe(
            duration
        )
        org = match.kwargs.get("org_name") if match is not None else None
        user_id = _user_id(request)
        path = printable(redact_path(request.path_info, match) if match else request.path_info)
        duration_ms = round(duration * 1000, 1)
        # Probes come every few seconds: they are logged only at DEBUG level.
        level = logging.DEBUG if getattr(request, "probe_name", None) else logging.INFO
        request_logger.log(
            level,
            "%s %s %s %.1fms user=%s org=%s view=%s",
            method,
            path,
            response.status_code,
            duration_ms,
            user_id if user_id is not None else "-",
            org or "-",
            view,
            extra={
                "method": method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": user_id,
                "org": org,
                "view": view,
            },
        )


def _forget_request_id(**kwargs):
    request_id_var.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="operations.forget_request_id")

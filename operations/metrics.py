"""`/metrics`: Prometheus text format, for a bearer token or allowed addresses only.

Counters and histograms are defined in `config.metrics`. Gauges come from the
database at scrape time, in two small queries: outbox emails by status with the
age of the oldest unsent one, and organizations waiting for approval.

With `PROMETHEUS_MULTIPROC_DIR` set, the counters of every process that writes to
that directory (gunicorn workers, Celery workers) are added up; without it, the
answering process's own registry is served (with its process metrics).
"""

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from organizations.mixins import client_ip

logger = logging.getLogger(__name__)


class DatabaseCollector:
    """Gauges read from the database when Prometheus scrapes."""

    def collect(self):
        from notifications.models import OutboxEmail
        from organizations.models import Organization

        unsent = Q(status__in=[OutboxEmail.Status.QUEUED, OutboxEmail.Status.SENDING])
        try:
            outbox = OutboxEmail.objects.aggregate(
                oldest_unsent=Min("created_at", filter=unsent),
                **{
                    status: Count("pk", filter=Q(status=status))
                    for status in OutboxEmail.Status.values
                },
            )
            waiting = Organization.objects.filter(status=Organization.Status.PENDING).count()
        except Exception:
            logger.warning("metrics: the database could not be read", exc_info=True)
            return
        by_status = GaugeMetricFamily(
            "orgportal_outbox_emails", "Outbox emails by status.", labels=["status"]
        )
        for status in OutboxEmail.Status.values:
            by_status.add_metric([status], outbox[status])
        yield by_status
        oldest = outbox["oldest_unsent"]
        yield GaugeMetricFamily(
            "orgportal_outbox_oldest_unsent_age_seconds",
            "Age of the oldest outbox email not sent yet (0 when none is waiting).",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
        )
        yield GaugeMetricFamily(
            "orgportal_approvals_waiting",
            "Self-registered organizations waiting for a platform admin's decision.",
            value=waiting,
        )


def address_allowed(address: str | None) -> bool:
    if not address or not settings.METRICS_ALLOWED_IPS:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def token_given(request) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


def render() -> bytes:
    """Every metric in Prometheus text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    gauges = CollectorRegistry()
    gauges.register(DatabaseCollector())
    return generate_latest(counters) + generate_latest(gauges)


def metrics(request):
    """Metrics for Prometheus: 404 unless configured, 401/403 without the credentials."""
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        return HttpResponse("Not Found", status=404, content_type="text/plain")
    if not (token_given(request) or address_allowed(client_ip(request))):
        response = HttpResponse("Unauthorized", status=401, content_type="text/plain")
        if settings.METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response

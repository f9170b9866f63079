"""Email delivery runs in Celery workers, never in the web request."""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from . import services

logger = logging.getLogger(__name__)

BACKOFF_FACTOR_SECONDS = 10
BACKOFF_MAX_SECONDS = 600


@shared_task(bind=True, max_retries=services.MAX_ATTEMPTS, acks_late=True)
def send_outbox_email(self, email_id: int) -> str:
    """Deliver one outbox row; a failure retries with exponential backoff and jitter."""
    try:
        return services.deliver(email_id=email_id)
    except services.DeliveryFailed as exc:
        if exc.final or self.request.is_eager:
            # Eager runs (the embedded default, tests) leave the row to the sweep.
            logger.warning("email %s not sent: %s", email_id, exc)
            return "failed"
        countdown = get_exponential_backoff_interval(
            factor=BACKOFF_FACTOR_SECONDS,
            retries=self.request.retries,
            maximum=BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def sweep_outbox() -> dict[str, int]:
    """Re-queue emails left unsent for over 5 minutes or stuck in "sending" past the
    sending timeout; expire what has expired."""
    return services.sweep()

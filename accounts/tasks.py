"""Email delivery runs in Celery, never in the web request."""

import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email_message(self, *, subject, body, to, from_email=None, html_body=None):
    """Send one rendered message; connection errors retry with exponential backoff."""
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()
    logger.info("sent email %r to %s", subject, ", ".join(to))

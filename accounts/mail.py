"""Queue an email for delivery by Celery once the current transaction commits."""

import logging

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction

from .tasks import send_email_message

logger = logging.getLogger(__name__)


def _payload(message: EmailMessage) -> dict:
    html_body = None
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                html_body = content
    return {
        "subject": message.subject,
        "body": message.body,
        "to": list(message.to),
        "from_email": message.from_email,
        "html_body": html_body,
    }


def _enqueue(payload: dict) -> None:
    try:
        send_email_message.apply_async(kwargs=payload)
    except Exception:
        # The broker is unreachable: deliver from this process rather than lose it.
        logger.exception("could not queue email %r; sending it inline", payload["subject"])
        send_email_message.apply(kwargs=payload)


def queue_email(message: EmailMessage) -> None:
    """Hand `message` to Celery after commit; a rolled-back change sends nothing."""
    payload = _payload(message)
    transaction.on_commit(lambda: _enqueue(payload))

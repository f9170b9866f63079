"""Queue an email through the outbox: recorded now, sent by Celery once the change commits."""

from django.core.mail import EmailMessage

from notifications.services import queue_message


def queue_email(message: EmailMessage, *, template: str = "") -> None:
    """Record `message` in the outbox; a rolled-back change sends nothing."""
    queue_message(message, template=template)

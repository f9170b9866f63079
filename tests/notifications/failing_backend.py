from django.core.mail.backends.base import BaseEmailBackend

# The Message-ID header of every message the failing server was handed.
attempted_message_ids: list[str] = []


class FailingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        attempted_message_ids.extend(m.message()["Message-ID"] for m in email_messages)
        raise ConnectionRefusedError("SMTP server is down")

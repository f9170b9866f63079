from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction

from notifications.models import OutboxEmail

# For each message sent: was a transaction open, and the row's status as committed.
observed: list[dict] = []


class TransactionCheckingBackend(EmailBackend):
    """The local-memory backend, noting what the database looked like during the send."""

    def send_messages(self, email_messages):
        connection = transaction.get_connection()
        for message in email_messages:
            observed.append(
                {
                    "in_atomic_block": connection.in_atomic_block,
                    "savepoints": list(connection.savepoint_ids),
                    "status": OutboxEmail.objects.get(
                        message_id=message.extra_headers["Message-ID"]
                    ).status,
                }
            )
        return super().send_messages(email_messages)

import threading

from django.core.mail.backends.locmem import EmailBackend
from django.db import connections, transaction

from notifications.models import OutboxEmail

# For each message sent: was a transaction open, and the row's status as committed.
observed: list[dict] = []


def _lockable_elsewhere(pk: int) -> bool:
    """Can another connection lock the row at once (PostgreSQL: FOR UPDATE NOWAIT)?"""
    result = {}

    def try_lock():
        try:
            with transaction.atomic():
                OutboxEmail.objects.select_for_update(nowait=True).get(pk=pk)
            result["locked"] = True
        except Exception as exc:
            result["locked"] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    thread = threading.Thread(target=try_lock)
    thread.start()
    thread.join(timeout=10)
    return result.get("locked")


class TransactionCheckingBackend(EmailBackend):
    """The local-memory backend, noting what the database looked like during the send."""

    def send_messages(self, email_messages):
        connection = transaction.get_connection()
        for message in email_messages:
            row = OutboxEmail.objects.get(message_id=message.extra_headers["Message-ID"])
            observed.append(
                {
                    "in_atomic_block": connection.in_atomic_block,
                    "savepoints": list(connection.savepoint_ids),
                    "status": row.status,
                    "lockable_elsewhere": (
                        _lockable_elsewhere(row.pk) if connection.vendor == "postgresql" else True
                    ),
                }
            )
        return super().send_messages(email_messages)

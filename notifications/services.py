"""The outbox: every email is a row written in the caller's transaction, sent by Celery.

`queue_email` records the email and enqueues its delivery once the transaction
commits; a rolled-back change therefore sends nothing. `deliver` is what the task
runs: it locks the row, does nothing when it is already sent, sends and marks it
sent. `requeue_stale_emails` is the sweep's half: rows left unsent (the broker was
down, a worker died) are queued again.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import EmailTemplate, OutboxEmail
from .templating import render_parts

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_AFTER = timedelta(minutes=5)
SUBJECT_MAX_LENGTH = OutboxEmail._meta.get_field("subject").max_length


class DeliveryFailed(Exception):
    """Sending one outbox email failed; the task retries it with backoff."""

    def __init__(self, email_id: int, error: str, *, final: bool):
        super().__init__(f"email {email_id}: {error}")
        self.email_id = email_id
        self.final = final


def render_email(*, template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of `template`: an admin's edit, else the default.

    The defaults are `emails/<template>_subject.txt`, `.txt` and `.html`.
    """
    subject, body_text, body_html = render_parts(template=template, context=context)
    subject = " ".join(subject.split())[:SUBJECT_MAX_LENGTH]
    return subject, body_text, body_html


def queue_email(
    *,
    recipient: str,
    template: str,
    context: dict,
    from_email: str = "",
) -> OutboxEmail:
    """Render `template` for `recipient`, record it, and send it after commit."""
    subject, body_text, body_html = render_email(template=template, context=context)
    return queue_rendered_email(
        recipient=recipient,
        template=template,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        from_email=from_email,
    )


def queue_rendered_email(
    *,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    template: str = "",
    from_email: str = "",
) -> OutboxEmail:
    """Record an already rendered email and send it after the transaction commits."""
    email = OutboxEmail.objects.create(
        recipient=recipient,
        template=template,
        subject=" ".join(subject.split())[:SUBJECT_MAX_LENGTH],
        body_text=body_text,
        body_html=body_html,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
    )
    email_id = email.pk
    transaction.on_commit(lambda: enqueue(email_id), robust=True)
    return email


def queue_message(message: EmailMessage, *, template: str = "") -> list[OutboxEmail]:
    """Record a Django `EmailMessage` (allauth renders its own): one row per recipient."""
    body_html = ""
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                body_html = content
    return [
        queue_rendered_email(
            recipient=recipient,
            subject=message.subject,
            body_text=message.body,
            body_html=body_html,
            template=template,
            from_email=message.from_email,
        )
        for recipient in message.to
    ]


# After a failed publish, this process stops trying for a while: a request that queues
# many emails (a bulk invite) must not wait on a dead broker once per email.
BROKER_BACKOFF_SECONDS = 30.0
_broker_down_until = 0.0


def enqueue(email_id: int, *, force: bool = False) -> bool:
    """Hand one row to Celery; a broker that is down leaves the row for the sweep.

    The broker timeouts in settings bound how long one try may block (about two
    seconds); after a failure the next tries in this process are skipped for
    `BROKER_BACKOFF_SECONDS` unless `force` (the sweep) says otherwise.
    """
    global _broker_down_until
    from .tasks import send_outbox_email

    if not force and time.monotonic() < _broker_down_until:
        logger.warning("broker was down moments ago; outbox email %s waits for the sweep", email_id)
        return False
    try:
        send_outbox_email.apply_async(args=[email_id])
    except Exception:
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.exception("could not queue outbox email %s; the sweep will retry it", email_id)
        return False
    _broker_down_until = 0.0
    return True


def _build_message(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def deliver(*, email_id: int) -> str:
    """Send one outbox row unless it is already sent; return what happened.

    The row stays locked while it is sent, so two tasks for one row (a retry and a
    sweep) cannot both deliver it. A failure is recorded on the row and raised as
    `DeliveryFailed` after the record is committed.
    """
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None:
            # Deleted, or another worker holds the lock and is sending it right now.
            return "skipped"
        if email.status == OutboxEmail.Status.SENT:
            return "already_sent"
        now = timezone.now()
        email.attempts += 1
        email.last_attempt_at = now
        try:
            _build_message(email).send()
        except Exception as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            final = email.attempts >= MAX_ATTEMPTS
            email.status = OutboxEmail.Status.FAILED if final else OutboxEmail.Status.QUEUED
            email.save(
                update_fields=["attempts", "last_attempt_at", "last_error", "status", "updated_at"]
            )
            failure = DeliveryFailed(email.pk, email.last_error, final=final)
        else:
            email.status = OutboxEmail.Status.SENT
            email.sent_at = now
            email.save(
                update_fields=["attempts", "last_attempt_at", "status", "sent_at", "updated_at"]
            )
            logger.info("sent email %r to %s", email.subject, email.recipient)
            return "sent"
    raise failure


def requeue_stale_emails(*, older_than: timedelta = STALE_AFTER) -> int:
    """Queue again every row left unsent for longer than `older_than`; return how many."""
    cutoff = timezone.now() - older_than
    ids = list(
        OutboxEmail.objects.filter(
            status=OutboxEmail.Status.QUEUED, updated_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    queued = 0
    for email_id in ids:
        if not enqueue(email_id, force=True):
            break  # the broker is still down: the next sweep tries again
        queued += 1
    return queued


@transaction.atomic
def retry_emails(*, email_ids) -> int:
    """Put failed rows back in the queue (an admin's retry) and send them after commit."""
    emails = OutboxEmail.objects.select_for_update().filter(pk__in=list(email_ids))
    retried = 0
    for email in emails.exclude(status=OutboxEmail.Status.SENT):
        email.status = OutboxEmail.Status.QUEUED
        email.attempts = 0
        email.save(update_fields=["status", "attempts", "updated_at"])
        email_id = email.pk
        transaction.on_commit(lambda email_id=email_id: enqueue(email_id), robust=True)
        retried += 1
    return retried


def sweep() -> dict[str, int]:
    """The periodic sweep: re-queue stale emails, then run each app's sweep hook.

    Hooks are named in `settings.ORGPORTAL_SWEEP_HOOKS` (e.g. expiring invitations), so
    this app serves the others without importing them.
    """
    result = {"requeued_emails": requeue_stale_emails()}
    for path in getattr(settings, "ORGPORTAL_SWEEP_HOOKS", []):
        result[path.rsplit(".", 1)[-1]] = import_string(path)()
    return result


def reset_email_templates(*, keys) -> int:
    """Drop the admin's edits of `keys`: the shipped defaults apply again; return how many."""
    deleted, _ = EmailTemplate.objects.filter(key__in=list(keys)).delete()
    return deleted

"""The outbox: every email is a row written in the caller's transaction, sent by Celery.

`queue_email` records the email and enqueues its delivery once the transaction
commits; a rolled-back change therefore sends nothing. `deliver` is what the task
runs, in three steps so that no transaction (and no row lock) is open while the SMTP
server is talked to: claim the row (a short transaction marks it "sending"), send,
then mark it sent or failed (a second short transaction). `requeue_stale_emails` is
the sweep's half: rows left unsent (the broker was down) and rows stuck in "sending"
(a worker died mid-send) are queued again.

The guarantee is at least once: a worker that dies after the SMTP server took the
email but before the row was marked sent leaves it "sending", and the sweep sends it
again. Every attempt carries the row's `Message-ID`, so the repeat can be dropped.
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
# Longer than any one send may take (EMAIL_TIMEOUT bounds each SMTP call).
DEFAULT_SENDING_TIMEOUT = timedelta(minutes=10)
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
        headers={"Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def sending_timeout() -> timedelta:
    """How long a row may stay "sending" before the sweep takes it for a dead worker's."""
    seconds = getattr(settings, "OUTBOX_SENDING_TIMEOUT_SECONDS", None)
    return DEFAULT_SENDING_TIMEOUT if seconds is None else timedelta(seconds=seconds)


def deliver(*, email_id: int) -> str:
    """Send one outbox row unless it is sent or being sent; return what happened.

    Claim, send, mark: only the claim and the mark hold the row's lock, each in a
    short transaction of its own; the SMTP conversation runs outside any transaction.
    A failure is recorded on the row and raised as `DeliveryFailed`.
    """
    claim = _claim(email_id)
    if isinstance(claim, str):
        return claim
    email = claim
    try:
        _build_message(email).send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        final = email.attempts >= MAX_ATTEMPTS
        _mark_failed(email, error=error, final=final)
        raise DeliveryFailed(email.pk, error, final=final) from exc
    _mark_sent(email)
    logger.info("sent email %r to %s", email.subject, email.recipient)
    return "sent"


def _claim(email_id: int) -> OutboxEmail | str:
    """Take a queued row for this worker: "sending", claimed now, one attempt more."""
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None:
            # Deleted, or another worker is claiming or marking it right now.
            return "skipped"
        if email.status == OutboxEmail.Status.SENT:
            return "already_sent"
        if email.status == OutboxEmail.Status.SENDING:
            # Another worker has it; if that worker died, the sweep re-queues it.
            return "in_progress"
        if email.status == OutboxEmail.Status.FAILED:
            return "gave_up"  # an admin's retry queues it again
        now = timezone.now()
        email.status = OutboxEmail.Status.SENDING
        email.claimed_at = now
        email.last_attempt_at = now
        email.attempts += 1
        email.save(
            update_fields=["status", "claimed_at", "last_attempt_at", "attempts", "updated_at"]
        )
    return email


def _mark_sent(email: OutboxEmail) -> None:
    # Unconditional but for "sent": even if the sweep took the row meanwhile, it went out.
    now = timezone.now()
    with transaction.atomic():
        OutboxEmail.objects.filter(pk=email.pk).exclude(status=OutboxEmail.Status.SENT).update(
            status=OutboxEmail.Status.SENT, sent_at=now, claimed_at=None, updated_at=now
        )


def _mark_failed(email: OutboxEmail, *, error: str, final: bool) -> None:
    # Only while the claim is still this attempt's: a row the sweep handed to another
    # worker belongs to that worker now.
    status = OutboxEmail.Status.FAILED if final else OutboxEmail.Status.QUEUED
    with transaction.atomic():
        OutboxEmail.objects.filter(
            pk=email.pk, status=OutboxEmail.Status.SENDING, claimed_at=email.claimed_at
        ).update(status=status, last_error=error, claimed_at=None, updated_at=timezone.now())


def requeue_stale_emails(
    *, older_than: timedelta = STALE_AFTER, stuck_after: timedelta | None = None
) -> int:
    """Queue again every row left unsent for longer than `older_than`, and every row
    stuck in "sending" longer than `stuck_after` (the sending timeout); return how many.

    A stuck row keeps its `Message-ID`; one that used up its attempts is marked failed.
    """
    now = timezone.now()
    stuck_after = sending_timeout() if stuck_after is None else stuck_after
    ids = list(
        OutboxEmail.objects.filter(
            status=OutboxEmail.Status.QUEUED, updated_at__lt=now - older_than
        ).values_list("pk", flat=True)
    )
    stuck = OutboxEmail.objects.filter(
        status=OutboxEmail.Status.SENDING, claimed_at__lt=now - stuck_after
    )
    with transaction.atomic():
        stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=OutboxEmail.Status.FAILED,
            last_error="The worker sending it stopped before it was marked sent.",
            claimed_at=None,
            updated_at=now,
        )
        stuck_ids = list(stuck.select_for_update(skip_locked=True).values_list("pk", flat=True))
        stuck.filter(pk__in=stuck_ids).update(
            status=OutboxEmail.Status.QUEUED, claimed_at=None, updated_at=now
        )
    if stuck_ids:
        logger.warning("re-queued %d outbox email(s) stuck in sending", len(stuck_ids))
    queued = 0
    for email_id in [*stuck_ids, *ids]:
        if not enqueue(email_id, force=True):
            break  # the broker is still down: the next sweep tries again
        queued += 1
    return queued


@transaction.atomic
def retry_emails(*, email_ids) -> int:
    """Put failed rows back in the queue (an admin's retry) and send them after commit."""
    emails = OutboxEmail.objects.select_for_update().filter(pk__in=list(email_ids))
    retried = 0
    # A row being sent is left to its worker (or, if that worker died, to the sweep).
    for email in emails.exclude(status__in=[OutboxEmail.Status.SENT, OutboxEmail.Status.SENDING]):
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

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import make_msgid
from django.db import models


def new_message_id() -> str:
    """A fresh `Message-ID` (`<…@host>`, the host of `SITE_URL`) for one outbox row."""
    return make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "orgportal.local")


class OutboxEmail(models.Model):
    """One outgoing email, written in the same transaction as the change that causes it.

    A Celery task claims it (status "sending"), sends it outside any transaction and
    marks it sent; the sweep re-queues rows that stay unsent or stuck in "sending", so
    delivery survives a dead broker or a lost worker. Every attempt carries the row's
    `message_id`, so a receiver can drop the rare repeat.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.EmailField()
    template = models.CharField(
        max_length=100, blank=True, help_text="The template the email was rendered from."
    )
    from_email = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    message_id = models.CharField(
        "Message-ID",
        max_length=255,
        unique=True,
        editable=False,
        default=new_message_id,
        help_text="The same header on every attempt, so a repeat can be recognized.",
    )
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker took the row to send it."
    )
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "outbox email"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return f"{self.subject} → {self.recipient} ({self.status})"


class EmailTemplate(models.Model):
    """An admin's edit of one notification's subject and bodies.

    Without a row the shipped default in `templates/emails/` is used; deleting the
    row (reset to default) brings the default back. `clean` refuses any tag or
    variable not documented for the key in `notifications/variables.py`.
    """

    class Key(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        INVITEE_JOINED = "invitee_joined", "Invitee joined"
        ORG_REQUEST = "org_request", "New organization request"
        ORG_APPROVED = "org_approved", "Organization approved"
        ORG_REJECTED = "org_rejected", "Organization rejected"
        ORG_SUSPENDED = "org_suspended", "Organization suspended"
        ORG_UNSUSPENDED = "org_unsuspended", "Organization suspension lifted"
        MFA_REMINDER = "mfa_reminder", "Two-factor authentication reminder"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        JOIN_REQUEST = "join_request", "Request to join"
        JOIN_REQUEST_DECIDED = "join_request_decided", "Request to join decided"

    key = models.CharField(max_length=50, choices=Key.choices, unique=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField("text body")
    body_html = models.TextField("HTML body")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "email template"
        ordering = ["key"]

    def __str__(self):
        return self.get_key_display()

    def clean(self):
        from .templating import validate_templates

        validate_templates(
            self.key, subject=self.subject, body_text=self.body_text, body_html=self.body_html
        )

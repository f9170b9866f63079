from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from organizations.models import Membership, Organization


class Invitation(models.Model):
    """An emailed invitation to join an org with a role.

    The link carries a random token; only its SHA-256 hash is stored. A pending,
    unexpired invitation holds one user seat of its org.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    # One open invitation per address and org: a new invite renews an expired one.
    OPEN_STATUSES = (Status.PENDING, Status.EXPIRED)

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(
        max_length=20, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sent_invitations",
    )
    # Who invited, as the invitation names them when no user did (an API client
    # passes Auth0's `inviter.name`).
    inviter_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    send_count = models.PositiveIntegerField("sent", default=0)
    last_sent_at = models.DateTimeField("last sent", null=True, blank=True)
    # Sends in the current 24-hour window, for the resend limit.
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_send_count = models.PositiveIntegerField(default=0)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=Q(status__in=["pending", "expired"]),
                name="one_open_invitation_per_org_and_email",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "expires_at"]),
            # The org's list of open invitations, newest first: a page is read off the
            # index from either end, not sorted, and never walks past the accepted,
            # declined and revoked invitations an org gathers over the years.
            models.Index(
                fields=["organization", "-created_at", "-id"],
                condition=Q(status__in=["pending", "expired"]),
                name="invitation_open_newest",
            ),
        ]

    def __str__(self):
        return f"{self.email} to {self.organization.name} as {self.role} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.PENDING and self.expires_at <= timezone.now()
        )

    @property
    def is_usable(self) -> bool:
        """Pending and not expired: the link still works and the seat is held."""
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()

    @property
    def display_status(self) -> str:
        return "Expired" if self.is_expired else self.get_status_display()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

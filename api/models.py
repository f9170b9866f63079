"""Machine clients of the Management API.

Each one is an allauth OpenID Connect `Client` (its id, the hash of its secret, its
scopes and grant type live there, and `POST /oauth/token` reads them) with this
profile beside it: whether it is a platform client or an organization's, which org,
who made it, when it was last used, and whether it was revoked.
"""

from django.conf import settings
from django.db import models

from organizations.models import Membership, Organization


class ApiClient(models.Model):
    class Kind(models.TextChoices):
        PLATFORM = "platform", "Platform (all organizations)"
        ORGANIZATION = "organization", "Organization (it and its children)"

    client = models.OneToOneField(
        "allauth_idp_oidc.Client",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="api_client",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_clients",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField("last used", null=True, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API client"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="platform", organization__isnull=True)
                | models.Q(kind="organization", organization__isnull=False),
                name="api_client_org_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.client.name} ({self.client_id})"

    @property
    def is_platform(self) -> bool:
        return self.kind == self.Kind.PLATFORM

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def role(self) -> str:
        """The role it acts with: platform clients as owners, org clients as admins."""
        return Membership.Role.OWNER if self.is_platform else Membership.Role.ADMIN

    @property
    def label(self) -> str:
        return f"API client {self.client.name} ({self.client_id})"

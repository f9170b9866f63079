"""SCIM provisioning: an org's bearer tokens and the users its identity provider manages."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from organizations.models import Organization


class ScimToken(models.Model):
    """A bearer token an identity provider uses on `/scim/v2/<org>/`.

    Only the SHA-256 hash is kept; the token is shown once when created. An org has
    at most one live token: rotating revokes the old one in the same transaction.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The token's first characters, to tell it apart."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(revoked_at__isnull=True),
                name="scim_one_live_token_per_org",
            ),
        ]

    def __str__(self):
        return f"{self.prefix}… ({self.organization.name})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    @property
    def label(self) -> str:
        """How the audit log names this token as an actor."""
        return f"SCIM token {self.prefix}…"


class ScimUser(models.Model):
    """A person the org's identity provider provisioned: the SCIM User resource.

    It outlives the membership: a deactivated user (`active: false`) is no longer a
    member, but keeps its id, so the provider can read it and reactivate it.
    Deleting the resource deletes this row (and the membership, if any).
    """

    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_users"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identities"
    )
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="scim_one_user_per_org"),
        ]

    def __str__(self):
        return f"{self.user} in {self.organization.name}"

"""Enterprise sign-in: an org's verified email domains and its SSO connections."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from organizations.models import Organization

PROVIDER_ID_PREFIX = "sso-"


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


def new_connection_key() -> str:
    return secrets.token_hex(8)


class VerifiedDomain(models.Model):
    """An email domain an org claims; verified once its DNS TXT record carries the token."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sso_domains"
    )
    domain = models.CharField(max_length=253)
    token = models.CharField(max_length=64, default=new_verification_token)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_result = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "domain"], name="sso_domain_once_per_org"
            ),
            # A domain verified by one org cannot be claimed (verified) by another.
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(verified_at__isnull=False),
                name="sso_domain_verified_once",
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def record_name(self) -> str:
        """The DNS name the TXT record is published at."""
        return f"_orgportal-verification.{self.domain}"

    @property
    def record_value(self) -> str:
        return f"orgportal-verification={self.token}"


class OidcConnection(models.Model):
    """An org's OpenID Connect identity provider, served through allauth's `openid_connect`.

    No SocialApp row is written: `sso.adapter` builds the app in memory from this row,
    so the client secret stays encrypted here (`sso.crypto`) and is decrypted only to
    talk to the provider.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sso_connections"
    )
    key = models.CharField(max_length=32, unique=True, default=new_connection_key, editable=False)
    name = models.CharField(max_length=100, help_text='Shown on the button, e.g. "Wayne SSO".')
    issuer_url = models.URLField(
        "issuer or discovery URL",
        max_length=500,
        help_text="The issuer (its /.well-known/openid-configuration is read) or the "
        "discovery document's URL.",
    )
    client_id = models.CharField("client ID", max_length=255)
    secret_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    assign_membership_on_login = models.BooleanField(
        default=False,
        help_text="Whoever signs in through this connection joins the organization as a "
        "member, taking a user seat.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def provider_id(self) -> str:
        return f"{PROVIDER_ID_PREFIX}{self.key}"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    protocol = "OpenID Connect"


class SsoPolicy(models.Model):
    """Per-org sign-in rules beyond the connections themselves."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="sso_policy"
    )
    sso_only = models.BooleanField(
        "SSO only",
        default=False,
        help_text="Members with an address in a verified domain must sign in through an "
        "enabled connection; owners keep their password as a break-glass sign-in.",
    )

    class DomainJoin(models.TextChoices):
        """How people with a confirmed address in a verified domain get in uninvited."""

        OFF = "off", "Off: only invited people join"
        JOIN = "join", "Join directly"
        REQUEST = "request", "Ask to join: owners and admins approve"

    domain_join = models.CharField(
        "joining by verified domain",
        max_length=10,
        choices=DomainJoin.choices,
        default=DomainJoin.OFF,
        help_text="Whether signed-in users with a confirmed address in a verified domain "
        "may join without an invitation (taking a user seat), or ask to join and wait "
        "for an owner or admin to approve.",
    )

    def __str__(self) -> str:
        return f"SSO policy of {self.organization}"

    @property
    def auto_join(self) -> bool:
        """Whether domain users join at once (the "join directly" mode)."""
        return self.domain_join == self.DomainJoin.JOIN

    @property
    def asks_to_join(self) -> bool:
        """Whether domain users ask to join and wait for an owner's or admin's approval."""
        return self.domain_join == self.DomainJoin.REQUEST


SAML_PROVIDER_ID_PREFIX = "saml-"


class SamlConnection(models.Model):
    """An org's SAML 2.0 identity provider, served through allauth's `saml` provider.

    The IdP is described by its metadata: a URL (read by allauth, cached) or the XML
    pasted in, from which the entity id, the sign-in URL and the signing certificate
    are kept. Like OIDC connections, no SocialApp row is written (`sso.adapter`).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sso_saml_connections"
    )
    key = models.CharField(max_length=32, unique=True, default=new_connection_key, editable=False)
    name = models.CharField(max_length=100, help_text='Shown on the button, e.g. "Wayne SAML".')
    idp_entity_id = models.CharField("IdP entity ID", max_length=500)
    idp_metadata_url = models.URLField("IdP metadata URL", max_length=500, blank=True)
    idp_sso_url = models.URLField("IdP sign-in URL", max_length=500, blank=True)
    idp_x509cert = models.TextField("IdP signing certificate", blank=True)
    enabled = models.BooleanField(default=True)
    assign_membership_on_login = models.BooleanField(
        default=False,
        help_text="Whoever signs in through this connection joins the organization as a "
        "member, taking a user seat.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def provider_id(self) -> str:
        """allauth's provider id, and the organization slug of its SAML URLs."""
        return f"{SAML_PROVIDER_ID_PREFIX}{self.key}"

    protocol = "SAML"


class JoinRequest(models.Model):
    """Someone with a confirmed address in a verified domain asks to join an org.

    Made under the "ask to join" mode of the org's `SsoPolicy`; an owner or admin
    approves it (the requester becomes a member, taking a user seat) or declines it.
    One request per person and org may be pending at a time.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sso_join_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_join_requests"
    )
    email = models.EmailField(help_text="The confirmed address in the verified domain.")
    message = models.TextField(
        blank=True, max_length=500, help_text="What the requester wrote to the admins."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "status", "-created_at"], name="sso_joinreq_org_status"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(status="pending"),
                name="sso_join_request_pending_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} asks to join {self.organization}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

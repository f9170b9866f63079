import json
import re

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Concat, Lower, Upper
from django.utils.crypto import get_random_string
from solo.models import SingletonModel

from .validators import (
    NAME_MAX_LENGTH,
    validate_color,
    validate_logo_url,
    validate_metadata,
    validate_org_name,
)

PUBLIC_ID_PREFIX = "org_"
PUBLIC_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
PUBLIC_ID_PATTERN = re.compile(r"org_[A-Za-z0-9]{16}")


def generate_public_id() -> str:
    """`org_` and 16 random letters and digits, like Auth0's organization ids."""
    return PUBLIC_ID_PREFIX + get_random_string(16, PUBLIC_ID_ALPHABET)


class TreeRootField(models.ForeignKey):
    """The standard org at the top of a child org's tree (None for a standard org).

    Taken from the parent whenever a row is inserted, by `save()` and `bulk_create()`
    alike (as `auto_now_add` is), so that no way of creating a child can leave it out.
    A parent is set once, when the child is created, so the root never changes either.
    """

    def pre_save(self, model_instance, add):
        if add and model_instance.parent_id is not None:
            setattr(model_instance, self.attname, model_instance.parent.tree_root_id)
        return super().pre_save(model_instance, add)


class Organization(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", "Standard"
        GROUP = "group", "Group"
        CUSTOMER = "customer", "Customer"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        ACTIVE = "active", "Active"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"

    class OrgType(models.TextChoices):
        COMPANY = "company", "Company"
        NON_PROFIT = "non_profit", "Non-profit"
        EDUCATION = "education", "Education"
        GOVERNMENT = "government", "Government"
        OTHER = "other", "Other"

    public_id = models.CharField(
        "ID", max_length=24, unique=True, editable=False, default=generate_public_id
    )
    name = models.CharField(
        max_length=NAME_MAX_LENGTH,
        unique=True,
        validators=[validate_org_name],
        help_text="Used in URLs: lowercase letters, digits, _ and -.",
        error_messages={"unique": "This name is taken. Choose another one."},
    )
    display_name = models.CharField(max_length=255)
    org_type = models.CharField(
        "organization type", max_length=20, choices=OrgType.choices, blank=True
    )
    primary_email = models.EmailField(blank=True)
    logo_url = models.CharField(
        "logo URL", max_length=500, blank=True, validators=[validate_logo_url]
    )
    primary_color = models.CharField(max_length=7, blank=True, validators=[validate_color])
    page_background_color = models.CharField(max_length=7, blank=True, validators=[validate_color])
    metadata = models.JSONField(default=dict, blank=True, validators=[validate_metadata])
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STANDARD)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # A search of a whole tree (the children page of a standard org) is one indexed
    # equality on `root` instead of a walk down every level: chains of groups may be a
    # thousand deep, which rules out a stored path of ancestors.
    root = TreeRootField(
        "self", null=True, blank=True, editable=False, on_delete=models.CASCADE, related_name="+"
    )
    # What the children page's search matches a word against: both names, upper-cased
    # by the database as `icontains` does, one space apart (a searched word has none, so
    # it never matches across the two). Stored, so that a search reads one column a row
    # instead of upper-casing two for every word.
    search_names = models.GeneratedField(
        expression=Concat(Upper("display_name"), models.Value(" "), Upper("name")),
        output_field=models.TextField(),
        db_persist=True,
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    is_reseller = models.BooleanField(
        "reseller",
        default=False,
        help_text="Resellers may create customer organizations with pools of their own. "
        "Set by platform staff.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="created_organizations",
        help_text="The initial owner: always an owner, cannot be removed or demoted.",
    )
    user_seat_limit = models.PositiveIntegerField(
        default=0, help_text="For a group: the user seats allotted to it by its parent."
    )
    device_seat_limit = models.PositiveIntegerField(
        default=0, help_text="For a group: the device seats allotted to it by its parent."
    )
    # The approval queue (self-registration): when the request was last submitted,
    # who last decided on it, and why it was rejected.
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    # Suspension by platform staff: the org is read-only for its members until lifted.
    suspension_reason = models.TextField(blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set by the billing app when the payment provider reports a failed payment, cleared
    # when it is paid: the owners' banner reads it with the org, at no extra query.
    payment_overdue_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "name"]
        permissions = [
            ("approve_organization", "Can approve or reject organization requests"),
            ("suspend_organization", "Can suspend organizations and lift suspensions"),
            ("change_seat_limits", "Can set organization seat limits and allotments"),
            ("change_reseller", "Can mark or unmark organizations as resellers"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="standard", parent__isnull=True)
                | (~Q(kind="standard") & Q(parent__isnull=False)),
                name="org_parent_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, root__isnull=True)
                | Q(parent__isnull=False, root__isnull=False),
                name="org_root_with_parent",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.name})"

    @property
    def tree_root_id(self) -> int:
        """The id of the standard org at the top of this org's tree: its own for a
        standard org, and the `root` of each of its children."""
        return self.root_id or self.pk

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP

    @property
    def is_customer(self) -> bool:
        return self.kind == self.Kind.CUSTOMER


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    # Indexed with the id below: (user, id) serves every lookup by user too.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        db_index=False,
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField("joined", auto_now_add=True)

    class Meta:
        ordering = ["organization", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org"),
        ]
        indexes = [
            # A user's first memberships (the switcher) without sorting all of them.
            models.Index(fields=["user", "id"], name="membership_user_first"),
        ]

    def __str__(self):
        return f"{self.user} in {self.organization.name} as {self.role}"

    @property
    def is_initial_owner(self) -> bool:
        return self.user_id == self.organization.created_by_id


class Device(models.Model):
    """A registered device of an org; each one takes a device seat."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=100)
    identifier = models.CharField(
        max_length=100, help_text="Unique within the organization, e.g. a serial number."
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("registered", auto_now_add=True)

    class Meta:
        ordering = ["name", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "identifier"], name="device_identifier_unique_in_org"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.identifier})"


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(
        default=False, help_text="Every new member joins the default team."
    )
    members = models.ManyToManyField(Membership, blank=True, related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            # Case-insensitive, as the services check: "Ops" and "ops" are one name.
            models.UniqueConstraint(
                Lower("name"),
                "organization",
                name="team_name_ci_unique_in_org",
                violation_error_code="name_taken",
                violation_error_message="A team with this name exists already.",
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_default=True),
                name="one_default_team_per_org",
            ),
        ]

    def __str__(self):
        return self.name


class OrganizationalUnit(models.Model):
    """An optional, nestable division of an org (Organization → Units → Workspaces)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="units")
    # RESTRICT: a unit with sub-units is never deleted by the database behind our back;
    # the service moves them up or deletes them on purpose. Deleting the org still cascades.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="children"
    )
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Case-insensitive, as the services check: "Ops" and "ops" are one name.
            models.UniqueConstraint(
                Lower("name"),
                "organization",
                name="unit_name_ci_unique_in_org",
                violation_error_code="name_taken",
                violation_error_message="A unit with this name exists already.",
            ),
        ]

    def __str__(self):
        return self.name


class Workspace(models.Model):
    """A workspace of an org, optionally inside one organizational unit."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="workspaces"
    )
    # RESTRICT: deleting a unit never drops its workspaces silently.
    unit = models.ForeignKey(
        OrganizationalUnit,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="workspaces",
    )
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Membership, blank=True, related_name="workspaces")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Case-insensitive, as the services check: "Ops" and "ops" are one name.
            models.UniqueConstraint(
                Lower("name"),
                "organization",
                name="workspace_name_ci_unique_in_org",
                violation_error_code="name_taken",
                violation_error_message="A workspace with this name exists already.",
            ),
        ]

    def __str__(self):
        return self.name


class AppendOnlyViolation(RuntimeError):
    """Something tried to change or delete an audit event; that is a bug, never a user error."""


class AuditEventQuerySet(models.QuerySet):
    """Bulk writes refused: events are only ever added.

    Django's deletion collector sets the foreign keys to NULL through the base manager
    (a plain one), so deleting an org or a user still works.
    """

    def update(self, **kwargs):
        raise AppendOnlyViolation("Audit events are append-only: update() is refused.")

    def delete(self):
        raise AppendOnlyViolation("Audit events are append-only: delete() is refused.")

    delete.queryset_only = True  # as Django's own: no Model.objects.delete()


class AuditEvent(models.Model):
    """Who did what to which org, when and from where. Append-only; outlives its org.

    The model refuses updates and deletes; on PostgreSQL a trigger refuses them too
    (migration 0005), except the ON DELETE SET NULL of `organization` and `actor`.
    """

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    org_name = models.CharField("organization name", max_length=NAME_MAX_LENGTH)
    org_public_id = models.CharField("organization ID", max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_email = models.EmailField(blank=True)
    # A non-user actor (an API client): its label, e.g. "API client CI (client id …)".
    actor_label = models.CharField("actor (not a user)", max_length=255, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"]),
            # The log's filters by action and by actor, each a range in the log's order
            # whatever its value: a rare action must not walk the org's whole log.
            models.Index(
                fields=["organization", "action", "-created_at", "-id"],
                name="audit_org_action_recent",
            ),
            models.Index(
                F("organization"),
                Upper("actor_email"),  # as `actor_email__iexact` compares
                F("created_at").desc(),
                F("id").desc(),
                name="audit_org_actor_recent",
            ),
        ]

    def __str__(self):
        return f"{self.action} on {self.org_name} by {self.actor_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation("Audit events are append-only: a saved one cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation("Audit events are append-only: they cannot be deleted.")

    @property
    def actor_name(self) -> str:
        """The actor as people read it: a user's email, a machine's label, or "system"."""
        return self.actor_email or self.actor_label or "system"

    @property
    def detail_json(self) -> str:
        return json.dumps(self.detail, ensure_ascii=False, sort_keys=True)


class GovernanceSettings(SingletonModel):
    """The platform's one row of governance, edited by staff in Django admin."""

    class WhoMayCreate(models.TextChoices):
        ANY_VERIFIED = "any_verified", "Any user with a verified email"
        BUSINESS = "business", "Business accounts only"
        STAFF = "staff", "Platform staff only"

    allow_self_registration = models.BooleanField(
        default=True, help_text="Users may register organizations themselves."
    )
    auto_approve = models.BooleanField(
        default=False,
        help_text="Self-registered organizations are active at once instead of pending.",
    )
    who_may_create = models.CharField(
        max_length=20, choices=WhoMayCreate.choices, default=WhoMayCreate.ANY_VERIFIED
    )
    invitation_lifetime_days = models.PositiveIntegerField(default=7)
    default_user_seat_limit = models.PositiveIntegerField(
        default=25, help_text="User seats of a new standard organization."
    )
    default_device_seat_limit = models.PositiveIntegerField(
        default=10, help_text="Device seats of a new standard organization."
    )
    resend_min_interval_seconds = models.PositiveIntegerField(
        default=60, help_text="Least time between two sends of one invitation."
    )
    resend_max_per_day = models.PositiveIntegerField(
        default=5, help_text="Most sends of one invitation in 24 hours."
    )
    billing_grace_period_days = models.PositiveIntegerField(
        "billing grace period (days)",
        default=7,
        help_text="Days after a failed payment before an organization is refused new seats "
        "until it is paid.",
    )

    class Meta:
        verbose_name = "governance settings"
        verbose_name_plural = "governance settings"

    def __str__(self):
        return "Governance settings"


# --- Security policy ------------------------------------------------------------------


class SecurityPolicy(models.Model):
    """An organization's security rules, set by its owners on the Security tab.

    No row means no rules beyond the portal's: anyone may be invited, MFA is optional,
    sessions last as long as the portal lets them, and sensitive actions ask for the
    password again after the portal's default window. The rules are read by
    `organizations/security.py`; `services.update_security_policy` writes them.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="security_policy"
    )
    require_mfa = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text="Members without two-factor authentication must set it up to open the org.",
    )
    allowed_email_domains = models.JSONField(
        default=list,
        blank=True,
        help_text="Lowercase domains new members' addresses must belong to; empty for any.",
    )
    session_lifetime_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Hours after signing in (or re-authenticating) before the password is "
        "asked again on this org's pages; empty for no limit.",
    )
    reauthentication_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Minutes a re-entered password covers sensitive actions; empty for the "
        "portal's default.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "security policy"
        verbose_name_plural = "security policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(session_lifetime_hours__isnull=True) | Q(session_lifetime_hours__gte=1),
                name="session_lifetime_at_least_one_hour",
            ),
            models.CheckConstraint(
                condition=Q(reauthentication_minutes__isnull=True)
                | Q(reauthentication_minutes__gte=1),
                name="reauthentication_at_least_one_minute",
            ),
        ]

    def __str__(self):
        return f"Security policy of {self.organization.name}"

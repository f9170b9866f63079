from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from solo.admin import SingletonModelAdmin

from . import permissions, services
from .errors import OrganizationError
from .forms import RejectForm
from .mixins import client_ip
from .models import (
    AuditEvent,
    Device,
    GovernanceSettings,
    Membership,
    Organization,
    OrganizationalUnit,
    SecurityPolicy,
    Team,
    Workspace,
)


class ReadOnlyAdminMixin:
    """Shown to staff, changed only through the portal's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


class OrganizationAdminForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            *services.EDITABLE_FIELDS,
            "user_seat_limit",
            "device_seat_limit",
            "is_reseller",
        ]

    def clean(self):
        cleaned = super().clean()
        limits = (cleaned.get("user_seat_limit"), cleaned.get("device_seat_limit"))
        if self.instance.pk and None not in limits:
            stored = Organization.objects.get(pk=self.instance.pk)
            try:
                services.check_seat_limits(org=stored, user_seats=limits[0], device_seats=limits[1])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field.replace("_seats", "_seat_limit"), errors)
        return cleaned


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = [
        "display_name",
        "name",
        "public_id",
        "kind",
        "status",
        "is_reseller",
        "member_count",
        "user_seat_limit",
        "device_seat_limit",
        "created_at",
    ]
    list_filter = ["status", "kind", "is_reseller", "org_type"]
    search_fields = ["name", "display_name", "public_id", "primary_email", "created_by__email"]
    readonly_fields = [
        "public_id",
        "kind",
        "parent",
        "status",
        "created_by",
        "created_at",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "rejection_reason",
        "staff_page",
        "suspension_reason",
        "suspended_at",
        "suspended_by",
    ]
    fieldsets = [
        (None, {"fields": ["public_id", "display_name", "name", "org_type", "primary_email"]}),
        ("Branding", {"fields": ["logo_url", "primary_color", "page_background_color"]}),
        ("Metadata", {"fields": ["metadata"]}),
        ("Seats", {"fields": ["user_seat_limit", "device_seat_limit", "is_reseller"]}),
        ("Lifecycle", {"fields": ["kind", "parent", "status", "created_by", "created_at"]}),
        (
            "Approval",
            {"fields": ["submitted_at", "reviewed_by", "reviewed_at", "rejection_reason"]},
        ),
        (
            "Suspension",
            {"fields": ["staff_page", "suspension_reason", "suspended_at", "suspended_by"]},
        ),
    ]
    inlines = [MembershipInline]
    actions = ["approve_selected", "reject_selected"]
    list_select_related = ["created_by"]

    def has_approve_permission(self, request):
        return permissions.can_approve_organizations(request.user)

    def changelist_view(self, request, extra_context=None):
        extra = {"staff_create_url": None}
        if permissions.can_create_for_others(request.user):
            extra["staff_create_url"] = reverse("organizations:staff_create")
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    @admin.action(description="Approve the selected pending requests", permissions=["approve"])
    def approve_selected(self, request, queryset):
        pending = list(queryset.filter(status=Organization.Status.PENDING).order_by("pk"))
        count = services.approve_organizations(
            orgs=pending, actor=request.user, ip_address=client_ip(request)
        )
        skipped = queryset.count() - count
        self.message_user(request, f"{count} organization(s) approved.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} were not waiting for approval and were left alone.",
                messages.WARNING,
            )

    @admin.action(description="Reject the selected pending requests…", permissions=["approve"])
    def reject_selected(self, request, queryset):
        """An intermediate page asks for the reason; the same service rejects each."""
        pending = queryset.filter(status=Organization.Status.PENDING).order_by("pk")
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = 0
            for org in pending:
                try:
                    services.reject_organization(
                        org=org,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        ip_address=client_ip(request),
                    )
                except OrganizationError as exc:
                    self.message_user(request, exc.message, messages.WARNING)
                else:
                    count += 1
            self.message_user(request, f"{count} organization(s) rejected.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/organizations/organization/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": "Reject organization requests",
                "opts": self.model._meta,
                "orgs": pending,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.display(description="staff page")
    def staff_page(self, obj):
        """Where platform admins read the request in full and suspend or lift a suspension."""
        if not obj.pk:
            return "—"
        url = reverse("organizations:approval_detail", args=[obj.public_id])
        return format_html('<a href="{}">Open the staff page</a> (suspend, lift, history)', url)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(ordering="member_count", description="members")
    def member_count(self, obj):
        return obj.member_count

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Edits go through the same services as the portal, with an audit event.

        Each service checks the staff member's permission; fields they may not change
        are read-only (see `get_readonly_fields`), so they never reach a service.
        """
        ip = client_ip(request)
        data = form.cleaned_data
        editable = {field: data[field] for field in services.EDITABLE_FIELDS if field in data}
        if editable:
            services.update_organization(
                org=obj,
                actor=request.user,
                display_name=editable.get("display_name"),
                name=editable.get("name"),
                org_type=editable.get("org_type"),
                primary_email=editable.get("primary_email"),
                logo_url=editable.get("logo_url"),
                primary_color=editable.get("primary_color"),
                page_background_color=editable.get("page_background_color"),
                metadata=editable.get("metadata"),
                ip_address=ip,
            )
        if "user_seat_limit" in data and "device_seat_limit" in data:
            self._save_seat_limits(request, obj, data, ip)
        if "is_reseller" in data:
            services.set_reseller(
                org=obj, actor=request.user, ip_address=ip, is_reseller=data["is_reseller"]
            )

    @staticmethod
    def _save_seat_limits(request, obj, data, ip) -> None:
        seat_limits = {
            "actor": request.user,
            "ip_address": ip,
            "user_seats": data["user_seat_limit"],
            "device_seats": data["device_seat_limit"],
        }
        if obj.is_group:
            # A group's limits are its allotment: the parent's pool rules apply.
            services.change_allotment(group=obj, **seat_limits)
        elif obj.is_customer:
            services.change_customer_pool(customer=obj, **seat_limits)
        else:
            services.set_seat_limits(
                org=obj,
                actor=request.user,
                ip_address=ip,
                user_seat_limit=data["user_seat_limit"],
                device_seat_limit=data["device_seat_limit"],
            )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not permissions.staff_may(request.user, permissions.Action.EDIT):
            readonly.extend(services.EDITABLE_FIELDS)
        if not permissions.staff_may(request.user, permissions.ServiceAction.SET_SEAT_LIMITS):
            readonly.extend(["user_seat_limit", "device_seat_limit"])
        if (obj is not None and obj.kind != Organization.Kind.STANDARD) or not (
            permissions.staff_may(request.user, permissions.ServiceAction.SET_RESELLER)
        ):
            readonly.append("is_reseller")  # only standard orgs resell, set by permitted staff
        return readonly


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "identifier", "organization", "registered_by", "created_at"]
    search_fields = ["name", "identifier", "organization__name"]
    list_select_related = ["organization", "registered_by"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name", "organization__display_name"]
    list_select_related = ["user", "organization"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "is_default", "created_at"]
    list_filter = ["is_default"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]


@admin.register(OrganizationalUnit)
class OrganizationalUnitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "parent", "created_at"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization", "parent"]


@admin.register(Workspace)
class WorkspaceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "unit", "created_at"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization", "unit"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "org_name", "action", "actor_email", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["org_name", "org_public_id", "actor_email", "action", "target"]
    date_hierarchy = "created_at"


@admin.register(GovernanceSettings)
class GovernanceSettingsAdmin(SingletonModelAdmin):
    fieldsets = [
        (
            "Registration",
            {"fields": ["allow_self_registration", "auto_approve", "who_may_create"]},
        ),
        (
            "Invitations",
            {
                "fields": [
                    "invitation_lifetime_days",
                    "resend_min_interval_seconds",
                    "resend_max_per_day",
                ]
            },
        ),
        (
            "Default seat limits",
            {"fields": ["default_user_seat_limit", "default_device_seat_limit"]},
        ),
        ("Billing", {"fields": ["billing_grace_period_days"]}),
    ]


# --- Security policies ------------------------------------------------------------------


class _DryRun(Exception):
    pass


class SecurityPolicyAdminForm(forms.ModelForm):
    """Staff set an org's policy (e.g. lift required MFA for owners who lost their
    authenticator); the service checks it, first in a rolled-back trial for the form."""

    allowed_email_domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line; empty for any.",
    )

    class Meta:
        model = SecurityPolicy
        fields = [
            "organization",
            "require_mfa",
            "allowed_email_domains",
            "session_lifetime_hours",
            "reauthentication_minutes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["allowed_email_domains"] = "\n".join(self.instance.allowed_email_domains)

    def clean_allowed_email_domains(self):
        from .security import parse_domains

        return parse_domains(self.cleaned_data["allowed_email_domains"])

    def clean(self):
        cleaned = super().clean()
        org = cleaned.get("organization") or getattr(self.instance, "organization", None)
        if org is None or self.errors:
            return cleaned
        try:
            with transaction.atomic():
                apply_policy_form(self, org, actor=self.actor, ip_address=None)
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as exc:
            self.add_error(None, exc)
        except OrganizationError as exc:
            self.add_error(None, exc.message)
        return cleaned


def apply_policy_form(form, org, *, actor, ip_address):
    data = form.cleaned_data
    return services.update_security_policy(
        org=org,
        actor=actor,
        require_mfa=data.get("require_mfa", False),
        allowed_email_domains=data.get("allowed_email_domains") or [],
        session_lifetime_hours=data.get("session_lifetime_hours"),
        reauthentication_minutes=data.get("reauthentication_minutes"),
        ip_address=ip_address,
    )


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin):
    form = SecurityPolicyAdminForm
    list_display = [
        "organization",
        "require_mfa",
        "session_lifetime_hours",
        "reauthentication_minutes",
        "updated_at",
        "updated_by",
    ]
    list_filter = ["require_mfa"]
    search_fields = ["organization__name", "organization__display_name"]
    list_select_related = ["organization", "updated_by"]
    raw_id_fields = ["organization"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        org = obj.organization
        policy = apply_policy_form(form, org, actor=request.user, ip_address=client_ip(request))
        obj.pk = policy.pk

    def has_delete_permission(self, request, obj=None):
        # Clearing every field is the way to drop a policy: it is audited, a delete is not.
        return False

from django.contrib import admin, messages

from organizations.errors import OrganizationError
from organizations.mixins import client_ip

from . import services
from .models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are read-only here; revoke and resend call the portal's services."""

    list_display = [
        "email",
        "organization",
        "role",
        "status_shown",
        "invited_by",
        "send_count",
        "last_sent_at",
        "expires_at",
        "created_at",
    ]
    list_filter = ["status", "role"]
    search_fields = ["email", "organization__name", "organization__display_name"]
    list_select_related = ["organization", "invited_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "organization",
        "email",
        "first_name",
        "last_name",
        "role",
        "invited_by",
        "status",
        "expires_at",
        "send_count",
        "last_sent_at",
        "accepted_by",
        "responded_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["token_hash", "window_started_at", "window_send_count"]
    actions = ["revoke", "resend"]

    @admin.display(description="status", ordering="status")
    def status_shown(self, obj):
        return obj.display_status

    def _run(self, request, queryset, service, done: str):
        ok = 0
        for invitation in queryset.select_related("organization"):
            try:
                service(
                    invitation=invitation,
                    actor=request.user,
                    ip_address=client_ip(request),
                    as_staff=True,
                )
            except OrganizationError as exc:
                self.message_user(request, f"{invitation.email}: {exc.message}", messages.ERROR)
            else:
                ok += 1
        if ok:
            self.message_user(request, f"{ok} invitation(s) {done}.", messages.SUCCESS)

    @admin.action(description="Revoke the selected invitations", permissions=["manage"])
    def revoke(self, request, queryset):
        self._run(request, queryset, services.revoke_invitation, "revoked")

    @admin.action(description="Resend the selected invitations", permissions=["manage"])
    def resend(self, request, queryset):
        self._run(request, queryset, services.resend_invitation, "sent again")

    def has_manage_permission(self, request):
        return request.user.has_perm("invitations.change_invitation")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

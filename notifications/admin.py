from django.contrib import admin, messages

from . import services
from .models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """What went out and what failed; emails are never written or edited by hand."""

    list_display = [
        "created_at",
        "recipient",
        "subject",
        "template",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "template"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "recipient",
        "from_email",
        "template",
        "subject",
        "body_text",
        "body_html",
        "status",
        "attempts",
        "last_error",
        "last_attempt_at",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    actions = ["retry"]

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description="Retry sending the selected emails", permissions=["retry"])
    def retry(self, request, queryset):
        count = services.retry_emails(email_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} email(s) queued again.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_outboxemail")

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from . import services, templating
from .models import EmailTemplate, OutboxEmail
from .sandbox_tags import ALLOWED_TAGS
from .variables import variables_for


def variables_help(keys) -> str:
    """The variables each of `keys` may use, name and description, as escaped HTML."""
    sections = format_html_join(
        "",
        "<p><strong>{}</strong></p><dl>{}</dl>",
        (
            (
                EmailTemplate.Key(key).label,
                format_html_join(
                    "",
                    "<dt><code>{{{{ {} }}}}</code></dt><dd>{}</dd>",
                    ((v.name, v.description) for v in variables_for(key)),
                ),
            )
            for key in keys
        ),
    )
    return format_html(
        "<p>Variables this template can use (plain values: no attributes, nothing to loop"
        " over), with Django's filters such as <code>|lower</code> or <code>|date</code>."
        " Tags: {}.</p>{}",
        ", ".join(ALLOWED_TAGS),
        sections,
    )


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
        "message_id",
        "attempts",
        "claimed_at",
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


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    """Admins edit each notification's subject and bodies; deleting one resets it.

    Keys without a row use the shipped default in `templates/emails/`; the list links
    each to an add form filled with that default.
    """

    list_display = ["key", "subject", "updated_at", "preview_link"]
    fields = ["key", "subject", "body_text", "body_html", "preview_link"]
    readonly_fields = ["preview_link"]
    actions = ["reset_to_default"]

    def get_fieldsets(self, request, obj=None):
        """The form with the variable list of the template's key beside the editor."""
        key = obj.key if obj is not None else request.GET.get("key") or request.POST.get("key")
        keys = [key] if key in EmailTemplate.Key.values else EmailTemplate.Key.values
        return [(None, {"fields": self.fields, "description": variables_help(keys)})]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "key"] if obj is not None else self.readonly_fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        key = request.GET.get("key")
        if key in EmailTemplate.Key.values:
            initial.update(key=key, **templating.default_source(key))
        return initial

    def get_urls(self):
        return [
            path(
                "preview/<str:key>/",
                self.admin_site.admin_view(self.preview_view),
                name="notifications_emailtemplate_preview",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="preview")
    def preview_link(self, obj):
        if obj is None or not obj.pk:
            return "Save first to preview."
        url = reverse("admin:notifications_emailtemplate_preview", args=[obj.key])
        return format_html('<a href="{}">Preview with sample values</a>', url)

    def changelist_view(self, request, extra_context=None):
        customized = set(EmailTemplate.objects.values_list("key", flat=True))
        defaults = [
            {
                "label": label,
                "add_url": reverse("admin:notifications_emailtemplate_add") + f"?key={key}",
                "preview_url": reverse("admin:notifications_emailtemplate_preview", args=[key]),
            }
            for key, label in EmailTemplate.Key.choices
            if key not in customized
        ]
        return super().changelist_view(request, {"uncustomized": defaults, **(extra_context or {})})

    def preview_view(self, request, key):
        """`key` rendered with sample values: the saved edit if any, else the default."""
        if key not in EmailTemplate.Key.values:
            raise Http404("No such email template.")
        if not self.has_view_permission(request):
            raise PermissionDenied
        subject, body_text, body_html = services.render_email(
            template=key, context=templating.sample_context(key)
        )
        row = EmailTemplate.objects.filter(key=key).first()
        return TemplateResponse(
            request,
            "admin/notifications/emailtemplate/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Preview: {EmailTemplate.Key(key).label}",
                "row": row,
                "subject": subject,
                "body_text": body_text,
                "body_html": body_html,
            },
        )

    @admin.action(description="Reset the selected templates to the shipped default")
    def reset_to_default(self, request, queryset):
        count = services.reset_email_templates(keys=queryset.values_list("key", flat=True))
        self.message_user(
            request, f"{count} template(s) reset to the shipped default.", messages.SUCCESS
        )

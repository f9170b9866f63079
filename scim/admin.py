"""Read-only views of SCIM provisioning for platform staff; owners manage it on the
Provisioning tab (tokens are created and revoked only through `scim.services`)."""

from django.contrib import admin

from .models import ScimToken, ScimUser


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScimToken)
class ScimTokenAdmin(ReadOnlyAdmin):
    list_display = (
        "prefix",
        "organization",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_select_related = ("organization", "created_by")
    list_filter = ("revoked_at",)
    search_fields = ("organization__name", "prefix")
    exclude = ("token_hash",)


@admin.register(ScimUser)
class ScimUserAdmin(ReadOnlyAdmin):
    list_display = ("scim_id", "user", "organization", "external_id", "created_at")
    list_select_related = ("organization", "user")
    search_fields = ("organization__name", "user__email", "external_id")

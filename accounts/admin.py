from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import SignInEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "account_type",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["account_type", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "account_type")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """Sign-in history, read-only: written by the sign-in signals, pruned by beat."""

    list_display = ["created_at", "user", "succeeded", "method", "second_factor", "ip"]
    list_filter = ["succeeded", "method", "second_factor"]
    search_fields = ["user__email", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "created_at",
        "succeeded",
        "method",
        "second_factor",
        "ip",
        "user_agent",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

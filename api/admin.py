"""Platform API clients are made by staff here; organizations' clients are listed too.

The secret is shown once, in the message after saving or rotating; only its hash is kept.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from organizations.errors import OrganizationError

from . import clients
from .models import ApiClient
from .scopes import SCOPES


class PlatformClientForm(forms.ModelForm):
    name = forms.CharField(max_length=clients.NAME_MAX_LENGTH)
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{scope} — {label}") for scope, label in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiClient
        fields = ()


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "client_id",
        "kind",
        "organization",
        "created_by",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("kind",)
    search_fields = ("client__name", "client__id", "organization__name")
    list_select_related = ("client", "organization", "created_by")
    actions = ("rotate_secret", "revoke")
    readonly_fields = (
        "client",
        "kind",
        "organization",
        "created_by",
        "created_at",
        "last_used_at",
        "secret_rotated_at",
        "revoked_at",
        "scopes",
    )

    @admin.display(description="name")
    def name(self, obj):
        return obj.client.name

    @admin.display(description="scopes")
    def scopes(self, obj):
        return ", ".join(obj.client.get_scopes())

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PlatformClientForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "scopes")
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays, its tokens die

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            api_client, secret = clients.create_platform_client(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except OrganizationError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = api_client.pk
        obj.client = api_client.client
        messages.warning(
            request,
            f"Platform client {api_client.client.name}: client_id {api_client.client_id}, "
            f"client_secret {secret} — copy the secret now, it is not shown again.",
        )

    def log_addition(self, request, obj, message):
        pass  # the object is saved by the service; Django's log entry would need its pk twice

    @admin.action(description="Rotate the secret (shows the new one once)")
    def rotate_secret(self, request, queryset):
        for api_client in queryset.select_related("client"):
            try:
                _, secret = clients.rotate_client_secret(api_client=api_client, actor=request.user)
            except OrganizationError as exc:
                messages.error(request, f"{api_client}: {exc.message}")
                continue
            messages.warning(
                request,
                f"{api_client}: new client_secret {secret} — copy it now, it is not shown again.",
            )

    @admin.action(description="Revoke (its tokens stop working at once)")
    def revoke(self, request, queryset):
        for api_client in queryset.select_related("client"):
            try:
                clients.revoke_client(api_client=api_client, actor=request.user)
            except OrganizationError as exc:
                messages.error(request, f"{api_client}: {exc.message}")
                continue
            messages.success(request, f"{api_client} revoked.")

from django.contrib import admin

from .models import BillingAccount, Invoice, Plan, WebhookEvent


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "price_per_seat_cents",
        "currency",
        "included_user_seats",
        "included_device_seats",
        "max_user_seats",
        "allows_child_organizations",
        "allows_customers",
        "is_active",
    )
    list_filter = ("is_active", "allows_child_organizations", "allows_customers")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request, obj=None):
        # The provider's plan id derives from the code and the price: keep the code stable.
        return ("code",) if obj is not None else ()


class InvoiceInline(admin.TabularInline):
    model = Invoice
    extra = 0
    can_delete = False
    fields = ("issued_at", "number", "amount_cents", "currency", "status", "pdf_url")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    """Read-only: billing changes go through the owners' pages and the provider's webhooks."""

    list_display = ("organization", "plan", "subscription_status", "card_brand", "past_due_since")
    list_filter = ("plan", "subscription_status")
    search_fields = ("organization__name", "organization__display_name", "contact_email")
    list_select_related = ("organization", "plan")
    inlines = [InvoiceInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "account", "outcome", "created_at", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

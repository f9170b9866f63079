"""Plans, an organization's billing account, its invoices, and the provider's events.

Card data never reaches these tables: the card is entered in Stripe's Elements and
confirmed with a SetupIntent, and we keep only the provider's ids and what is shown
(brand, last four digits, expiry).
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from organizations.models import Organization


class Plan(models.Model):
    """What an organization may buy: seats at a monthly price per user seat, and features."""

    code = models.SlugField(
        max_length=40,
        unique=True,
        help_text="A short stable name, e.g. team; part of the provider's plan id.",
    )
    name = models.CharField(max_length=100)
    price_per_seat_cents = models.PositiveIntegerField(
        "monthly price per user seat (cents)", default=0
    )
    currency = models.CharField(max_length=3, default="usd")
    included_user_seats = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="User seats that come with the plan; the fewest one may have on it.",
    )
    included_device_seats = models.PositiveIntegerField(default=2)
    max_user_seats = models.PositiveIntegerField(
        "most user seats", default=5, help_text="The most user seats one may buy on this plan."
    )
    allows_child_organizations = models.BooleanField(
        default=False, help_text="Groups (internal child organizations) are allowed."
    )
    allows_customers = models.BooleanField(
        default=False, help_text="Resellers may create customer organizations."
    )
    is_active = models.BooleanField(default=True, help_text="Offered to organizations.")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "price_per_seat_cents", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_user_seats__gte=F("included_user_seats")),
                name="plan_max_covers_included",
                violation_error_message="The most seats must be at least the included seats.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_free(self) -> bool:
        return self.price_per_seat_cents == 0

    @property
    def price_per_seat(self) -> Decimal:
        return Decimal(self.price_per_seat_cents) / 100

    @property
    def provider_plan_id(self) -> str:
        """The provider's plan id: a new price is a new plan there, never an edit."""
        return f"orgportal-{self.code}-{self.price_per_seat_cents}{self.currency}-month"

    def monthly_total_cents(self, user_seats: int) -> int:
        return self.price_per_seat_cents * user_seats


class BillingAccount(models.Model):
    """An organization's billing: its plan, details, card on file and subscription."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="billing_account"
    )
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    # Billing details (ActiveState's "Updating Billing Details").
    cardholder_name = models.CharField(max_length=200, blank=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    state = models.CharField("state or region", max_length=100, blank=True)
    country = CountryField(blank=True)
    contact_email = models.EmailField(
        blank=True, help_text="Invoices and payment emails go to this address."
    )
    tax_id = models.CharField("tax ID", max_length=50, blank=True)
    # The provider's ids and what we show of the card; never its number or CVC.
    provider_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    provider_subscription_id = models.CharField(max_length=255, blank=True)
    provider_subscription_item_id = models.CharField(max_length=255, blank=True)
    subscription_status = models.CharField(max_length=40, blank=True)
    subscription_quantity = models.PositiveIntegerField(default=0)
    # When the provider last told us about the subscription (its event time): an older
    # event arriving late changes nothing.
    subscription_synced_at = models.DateTimeField(null=True, blank=True)
    card_payment_method_id = models.CharField(max_length=255, blank=True)
    card_brand = models.CharField(max_length=40, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Billing of {self.organization.name}"

    @property
    def has_card(self) -> bool:
        return bool(self.card_payment_method_id)

    @property
    def has_details(self) -> bool:
        return bool(self.cardholder_name and self.contact_email and self.country)

    @property
    def card_label(self) -> str:
        """`Visa •••• 4242`, as shown on the billing page."""
        brand = {"amex": "American Express", "mastercard": "Mastercard"}.get(
            self.card_brand, self.card_brand.title()
        )
        return f"{brand} •••• {self.card_last4}"

    @property
    def address_lines(self) -> list[str]:
        city_line = " ".join(part for part in (self.postal_code, self.city) if part)
        lines = [self.address_line1, self.address_line2, city_line, self.state]
        if self.country:
            lines.append(self.country.name)
        return [line for line in lines if line]


class Invoice(models.Model):
    """An invoice as the provider last described it (its API answers and webhooks)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        FAILED = "failed", "Payment failed"
        VOID = "void", "Void"
        UNCOLLECTIBLE = "uncollectible", "Uncollectible"

    account = models.ForeignKey(BillingAccount, on_delete=models.CASCADE, related_name="invoices")
    provider_invoice_id = models.CharField(max_length=255, unique=True)
    number = models.CharField(max_length=100, blank=True)
    amount_cents = models.IntegerField(default=0)
    currency = models.CharField(max_length=3, default="usd")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    pdf_url = models.URLField("PDF", max_length=1000, blank=True)
    hosted_url = models.URLField(max_length=1000, blank=True)
    issued_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["account", "-issued_at", "-id"])]

    def __str__(self):
        return self.number or self.provider_invoice_id

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents) / 100

    @property
    def is_due(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.FAILED)


class WebhookEvent(models.Model):
    """A provider event we handled: a replay of the same id changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    account = models.ForeignKey(
        BillingAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("event time")
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"

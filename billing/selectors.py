"""Read-side helpers of the billing pages: what was stored from the provider, no API call."""

from organizations import seats
from organizations.models import Organization

from .models import BillingAccount, Invoice, Plan


def account_for(org: Organization) -> BillingAccount | None:
    """The org's billing account with its plan, or None before the first billing change."""
    return BillingAccount.objects.select_related("plan").filter(organization=org).first()


def invoices_of(account: BillingAccount | None):
    if account is None:
        return Invoice.objects.none()
    return account.invoices.order_by("-issued_at", "-id")


def offered_plans():
    return Plan.objects.filter(is_active=True)


def user_seats(org: Organization) -> seats.SeatUsage:
    return seats.usage(org, seats.USERS)

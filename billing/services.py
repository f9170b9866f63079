"""Billing's use cases: plans and seats, billing details, the card on file, invoices.

Each one locks the org's pool and checks the owner's right under the lock (through
organizations' `lock_and_authorize`, or `set_billed_seat_limits` when seat limits
change), then talks to the provider, writes, and audits. A provider refusal raises
before anything is written here, and the transaction rolls back what was.

The audit rows hold no card data: the brand at most.
"""

import logging

from django.db import transaction
from django.utils import timezone

from organizations import services as org_services
from organizations.audit import record_event
from organizations.models import Organization
from organizations.permissions import Action
from organizations.services._common import lock_and_authorize

from . import gateway
from .errors import BillingError, BillingNotConfigured
from .models import BillingAccount, Invoice, Plan

logger = logging.getLogger(__name__)

DETAIL_FIELDS = (
    "cardholder_name",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "state",
    "country",
    "contact_email",
    "tax_id",
)


def _account_for_update(org: Organization) -> BillingAccount:
    """The org's billing account, locked (created on first use); call under the org's lock."""
    account, _ = BillingAccount.objects.select_for_update().get_or_create(organization=org)
    return account


def _require_provider() -> None:
    if not gateway.is_configured():
        raise BillingNotConfigured()


def _provider_address(account: BillingAccount) -> dict:
    return {
        "line1": account.address_line1,
        "line2": account.address_line2,
        "city": account.city,
        "postal_code": account.postal_code,
        "state": account.state,
        "country": str(account.country or ""),
    }


def _provider_metadata(org: Organization, account: BillingAccount) -> dict:
    metadata = {"org_id": org.public_id, "org_name": org.name}
    if account.tax_id:
        metadata["tax_id"] = account.tax_id
    return metadata


# --- plans and seats -------------------------------------------------------------------


def plan_rules(plan: Plan, user_seats: int):
    """The check `set_billed_seat_limits` runs under the lock: the plan's limits and features."""

    def check(org: Organization) -> None:
        if not plan.is_active:
            raise BillingError(f"The {plan.name} plan is not offered any more.", code="plan_gone")
        if user_seats < plan.included_user_seats:
            raise BillingError(
                f"The {plan.name} plan starts at {plan.included_user_seats} user seats.",
                code="below_plan_minimum",
            )
        if user_seats > plan.max_user_seats:
            raise BillingError(
                f"The {plan.name} plan allows at most {plan.max_user_seats} user seats.",
                code="above_plan_maximum",
            )
        children = org.children.values_list("kind", flat=True)
        groups = sum(1 for kind in children if kind == Organization.Kind.GROUP)
        customers = sum(1 for kind in children if kind == Organization.Kind.CUSTOMER)
        if groups and not plan.allows_child_organizations:
            raise BillingError(
                f"The {plan.name} plan has no child organizations and {org.display_name} has "
                f"{groups}: remove them first, or choose a plan with child organizations.",
                code="plan_without_child_orgs",
            )
        if customers and not plan.allows_customers:
            raise BillingError(
                f"The {plan.name} plan has no customer organizations and {org.display_name} "
                f"has {customers}: remove them first, or choose a plan with customers.",
                code="plan_without_customers",
            )

    return check


@transaction.atomic
def change_plan(
    *,
    org: Organization,
    actor,
    plan: Plan,
    user_seats: int,
    ip_address: str | None = None,
) -> BillingAccount:
    """Choose `plan` with `user_seats` user seats (buying or giving back seats too).

    Seat limits become the plan's (user seats as asked, device seats as included),
    never below what is used. A paid plan needs the billing details and a card; the
    subscription's quantity is the user seats, and the provider prorates the change.
    """
    _require_provider()
    org = org_services.set_billed_seat_limits(
        org=org,
        actor=actor,
        user_seat_limit=user_seats,
        device_seat_limit=plan.included_device_seats,
        check=plan_rules(plan, user_seats),
        detail={"plan": plan.code},
        ip_address=ip_address,
    )
    account = _account_for_update(org)
    old_plan, old_quantity = account.plan, account.subscription_quantity
    if not plan.is_free and not (account.has_card and account.provider_customer_id):
        raise BillingError(
            f"The {plan.name} plan is paid: add the billing details and a card first.",
            code="card_required",
        )
    if plan.is_free:
        if account.provider_subscription_id:
            gateway.cancel_subscription(account.provider_subscription_id)
        account.provider_subscription_id = ""
        account.provider_subscription_item_id = ""
        account.subscription_status = ""
        account.subscription_quantity = 0
    else:
        provider_plan = gateway.ensure_plan(plan)
        if account.provider_subscription_id and account.subscription_status not in (
            "canceled",
            "incomplete_expired",
        ):
            subscription = gateway.update_subscription(
                subscription_id=account.provider_subscription_id,
                item_id=account.provider_subscription_item_id,
                plan_id=provider_plan,
                quantity=user_seats,
            )
        else:
            subscription = gateway.create_subscription(
                customer_id=account.provider_customer_id,
                plan_id=provider_plan,
                quantity=user_seats,
            )
        account.provider_subscription_id = subscription["id"]
        account.provider_subscription_item_id = subscription["item_id"]
        account.subscription_status = subscription["status"]
        account.subscription_quantity = subscription["quantity"] or user_seats
        account.subscription_synced_at = timezone.now()
    account.plan = plan
    account.save()
    if old_plan != plan:
        action, detail = "billing.plan_change", {"from": old_plan.code if old_plan else None}
    else:
        action, detail = "billing.seats_change", {"from_seats": old_quantity}
    record_event(
        org=org,
        actor=actor,
        action=action,
        target=plan.code,
        detail={**detail, "to": plan.code, "user_seats": user_seats},
        ip_address=ip_address,
    )
    if account.provider_customer_id:
        transaction.on_commit(lambda: refresh_invoices_quietly(account.pk))
    return account


def change_seats(
    *, org: Organization, actor, user_seats: int, ip_address: str | None = None
) -> BillingAccount:
    """Buy seats or give some back on the current plan."""
    account = BillingAccount.objects.filter(organization=org).select_related("plan").first()
    if account is None or account.plan is None:
        raise BillingError("Choose a plan first.", code="no_plan")
    return change_plan(
        org=org, actor=actor, plan=account.plan, user_seats=user_seats, ip_address=ip_address
    )


# --- billing details -------------------------------------------------------------------


@transaction.atomic
def update_billing_details(
    *, org: Organization, actor, ip_address: str | None = None, **details
) -> BillingAccount:
    """Save the cardholder name, billing address, contact email and tax ID.

    They go to the provider's customer too (created here on first save), so invoices
    and the provider's payment emails reach the contact email.
    """
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"not billing details: {sorted(unknown)}")
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_BILLING)
    if org.is_group:
        raise BillingError("A group has no billing of its own.", code="group_billing")
    account = _account_for_update(org)
    changed = []
    for field, value in details.items():
        value = (value or "").strip() if isinstance(value, str) else value
        if str(getattr(account, field) or "") != str(value or ""):
            setattr(account, field, value)
            changed.append(field)
    account.full_clean(exclude=["organization", "plan"])
    if gateway.is_configured():
        kwargs = {
            "name": account.cardholder_name,
            "email": account.contact_email,
            "address": _provider_address(account),
            "metadata": _provider_metadata(org, account),
        }
        if account.provider_customer_id:
            if changed:
                gateway.update_customer(account.provider_customer_id, **kwargs)
        else:
            account.provider_customer_id = gateway.create_customer(**kwargs)
    account.save()
    if changed:
        record_event(
            org=org,
            actor=actor,
            action="billing.details_change",
            target=org.name,
            detail={"fields": changed},
            ip_address=ip_address,
        )
    return account


# --- the card on file ------------------------------------------------------------------


@transaction.atomic
def start_card_setup(*, org: Organization, actor) -> dict:
    """A SetupIntent for the card form: its client secret goes to the page only."""
    _require_provider()
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_BILLING)
    account = _account_for_update(org)
    if not account.provider_customer_id:
        raise BillingError(
            "Enter the billing details first: the card is saved for that cardholder.",
            code="details_required",
        )
    return gateway.create_setup_intent(account.provider_customer_id)


@transaction.atomic
def save_card(
    *, org: Organization, actor, setup_intent_id: str, ip_address: str | None = None
) -> BillingAccount:
    """Keep the card the browser confirmed with the provider; it replaces the old one."""
    _require_provider()
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_BILLING)
    account = _account_for_update(org)
    if not account.provider_customer_id:
        raise BillingError("Enter the billing details first.", code="details_required")
    card = gateway.confirmed_card(setup_intent_id, customer_id=account.provider_customer_id)
    old_method = account.card_payment_method_id
    replaced = bool(old_method) and old_method != card["payment_method_id"]
    account.card_payment_method_id = card["payment_method_id"]
    account.card_brand = card["brand"]
    account.card_last4 = card["last4"]
    account.card_exp_month = card["exp_month"]
    account.card_exp_year = card["exp_year"]
    account.save()
    if replaced:
        try:
            gateway.detach_payment_method(old_method)
        except gateway.ProviderError:
            logger.warning("could not detach the replaced card of %s", org.name)
    record_event(
        org=org,
        actor=actor,
        action="billing.card_update",
        target=org.name,
        detail={"brand": card["brand"], "replaced": replaced},
        ip_address=ip_address,
    )
    return account


def amount_due_reason(account: BillingAccount) -> str | None:
    """Why the card cannot be removed now (something is due), or None."""
    if account.past_due_since:
        return "A payment is past due: update the card instead of removing it."
    if account.invoices.filter(status__in=[Invoice.Status.OPEN, Invoice.Status.FAILED]).exists():
        return "An invoice is still open: it is charged to this card."
    if account.plan is not None and not account.plan.is_free and account.provider_subscription_id:
        return (
            f"The {account.plan.name} plan is charged to this card every month: switch to a "
            "free plan first, or update the card instead."
        )
    return None


@transaction.atomic
def remove_card(*, org: Organization, actor, ip_address: str | None = None) -> BillingAccount:
    """Remove the card on file: only when nothing is due."""
    _require_provider()
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_BILLING)
    account = _account_for_update(org)
    if not account.has_card:
        raise BillingError("There is no card on file.", code="no_card")
    reason = amount_due_reason(account)
    if reason:
        raise BillingError(reason, code="amount_due")
    gateway.detach_payment_method(account.card_payment_method_id)
    brand = account.card_brand
    _forget_card(account)
    account.save()
    record_event(
        org=org,
        actor=actor,
        action="billing.card_remove",
        target=org.name,
        detail={"brand": brand},
        ip_address=ip_address,
    )
    return account


def _forget_card(account: BillingAccount) -> None:
    account.card_payment_method_id = ""
    account.card_brand = ""
    account.card_last4 = ""
    account.card_exp_month = None
    account.card_exp_year = None


# --- invoices --------------------------------------------------------------------------


def store_invoice(account: BillingAccount, fields: dict) -> Invoice:
    """Insert or update one invoice from the provider's description of it.

    A paid invoice stays paid: a late "failed" or "open" never overwrites it.
    """
    fields = dict(fields)
    status = fields.pop("status")
    invoice, created = Invoice.objects.get_or_create(
        provider_invoice_id=fields["provider_invoice_id"],
        defaults={**fields, "account": account, "status": _our_status(status)},
    )
    if not created:
        for key, value in fields.items():
            if value not in ("", None):
                setattr(invoice, key, value)
        if invoice.status != Invoice.Status.PAID:
            new_status = _our_status(status)
            if not (invoice.status == Invoice.Status.FAILED and new_status == Invoice.Status.OPEN):
                invoice.status = new_status
        invoice.save()
    return invoice


def _our_status(provider_status: str) -> str:
    return provider_status if provider_status in Invoice.Status.values else Invoice.Status.OPEN


def refresh_invoices(account: BillingAccount) -> int:
    """Store the provider's latest invoices for `account`; returns how many it listed."""
    if not (gateway.is_configured() and account.provider_customer_id):
        return 0
    listed = gateway.list_invoices(account.provider_customer_id)
    with transaction.atomic():
        for fields in listed:
            store_invoice(account, fields)
    return len(listed)


def refresh_invoices_quietly(account_id: int) -> None:
    """After a plan change: fetch the new invoices; the webhooks bring them otherwise."""
    account = BillingAccount.objects.filter(pk=account_id).first()
    if account is None:
        return
    try:
        refresh_invoices(account)
    except gateway.ProviderError:
        logger.warning("invoices of billing account %s not refreshed", account_id)

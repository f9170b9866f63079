"""The payment provider's webhooks: verified, recorded once, applied in order.

`handle_payload` verifies the signature with the `stripe` library's own
`Webhook.construct_event` and the configured signing secret; a bad signature raises
`InvalidWebhook` and changes nothing. Each event id is recorded in the same
transaction as its effect, so a replay finds the id and changes nothing. Events about
a subscription carry their time; one older than what we stored (delivered out of
order) is recorded and ignored. A paid invoice stays paid whatever arrives later.
"""

import json
import logging
from datetime import UTC, datetime, timedelta

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from notifications.services import queue_email
from organizations.audit import record_event
from organizations.emails import absolute_url, org_email_context
from organizations.models import GovernanceSettings, Membership, Organization

from . import gateway
from .models import BillingAccount, Invoice, WebhookEvent
from .services import _forget_card, store_invoice

logger = logging.getLogger(__name__)


class InvalidWebhook(Exception):
    """The payload is not a verified event of our provider."""


def verify(payload: bytes, signature: str | None) -> dict:
    """The event in `payload`, as a plain dict, once its signature is proven."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise InvalidWebhook("no webhook signing secret is configured")
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidWebhook(str(exc)) from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise InvalidWebhook("not an event")
    return event


def handle_payload(payload: bytes, signature: str | None) -> str:
    """Verify and apply one webhook delivery; returns what was done (for the log)."""
    return handle_event(verify(payload, signature))


def handle_event(event: dict) -> str:
    """Apply `event` once: a replay of its id is a no-op."""
    if WebhookEvent.objects.filter(event_id=event["id"]).exists():
        return "replay ignored"
    created = datetime.fromtimestamp(int(event.get("created") or 0), tz=UTC)
    obj = (event.get("data") or {}).get("object") or {}
    handler = HANDLERS.get(event["type"])
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                event_id=event["id"], type=event["type"], created_at=created
            )
            account = _account_for(obj)
            if handler is None:
                outcome = "not handled"
            elif account is None:
                outcome = "no account"
            else:
                outcome = handler(account, obj, created) or "applied"
            record.account = account
            record.outcome = outcome[:200]
            record.save(update_fields=["account", "outcome"])
    except IntegrityError:
        # Delivered twice at once: the other delivery recorded it first.
        return "replay ignored"
    logger.info("billing webhook %s %s: %s", event["type"], event["id"], outcome)
    return outcome


def _account_for(obj: dict) -> BillingAccount | None:
    """The account the object is about (by the provider's customer id), locked."""
    customer = obj.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    if not customer and obj.get("object") == "customer":
        customer = obj.get("id")
    if customer:
        found = Q(provider_customer_id=customer)
    elif obj.get("object") == "payment_method" and obj.get("id"):
        # A detached card names no customer any more: find it by the card we keep.
        found = Q(card_payment_method_id=obj["id"])
    else:
        return None
    account = BillingAccount.objects.filter(found).first()
    if account is None:
        return None
    # Lock the org first, as every billing service does, then the account.
    Organization.objects.select_for_update().get(pk=account.organization_id)
    # Only the account's row: the plan is a nullable join, which cannot be locked.
    return (
        BillingAccount.objects.select_for_update(of=("self",))
        .select_related("organization", "plan")
        .get(pk=account.pk)
    )


# --- invoices --------------------------------------------------------------------------


def _payment_succeeded(account: BillingAccount, obj: dict, created) -> str:
    fields = gateway.invoice_fields(obj)
    fields["status"] = Invoice.Status.PAID
    invoice = store_invoice(account, fields)
    outcome = f"invoice {invoice} paid"
    still_due = account.invoices.filter(
        status__in=[Invoice.Status.FAILED, Invoice.Status.OPEN]
    ).exists()
    if account.past_due_since and not still_due:
        set_past_due(account, None)
        record_event(
            org=account.organization,
            actor=None,
            action="billing.payment_recovered",
            target=str(invoice),
            detail={"amount_cents": invoice.amount_cents, "currency": invoice.currency},
        )
        outcome += ", no longer past due"
    return outcome


def _payment_failed(account: BillingAccount, obj: dict, created) -> str:
    fields = gateway.invoice_fields(obj)
    fields["status"] = Invoice.Status.FAILED
    invoice = store_invoice(account, fields)
    if invoice.status == Invoice.Status.PAID:
        return f"invoice {invoice} was paid already"
    record_event(
        org=account.organization,
        actor=None,
        action="billing.payment_failed",
        target=str(invoice),
        detail={"amount_cents": invoice.amount_cents, "currency": invoice.currency},
    )
    if account.past_due_since:
        return f"invoice {invoice} failed; past due already"
    set_past_due(account, created)
    _email_payment_failed(account, invoice)
    return f"invoice {invoice} failed; past due"


def _invoice_changed(account: BillingAccount, obj: dict, created) -> str:
    invoice = store_invoice(account, gateway.invoice_fields(obj))
    return f"invoice {invoice} {invoice.status}"


def set_past_due(account: BillingAccount, since) -> None:
    """Mark (or clear, with None) the account and its org past due; the banner reads the org."""
    account.past_due_since = since
    account.save(update_fields=["past_due_since", "updated_at"])
    Organization.objects.filter(pk=account.organization_id).update(payment_overdue_since=since)


def _email_payment_failed(account: BillingAccount, invoice: Invoice) -> None:
    """To the contact email and every owner, through the outbox."""
    org = account.organization
    grace_days = GovernanceSettings.get_solo().billing_grace_period_days
    refused_from = account.past_due_since + timedelta(days=grace_days)
    billing_url = absolute_url(reverse("billing:overview", args=[org.name]))
    recipients: dict[str, str] = {}
    if account.contact_email:
        recipients[account.contact_email.lower()] = account.cardholder_name or org.display_name
    owners = (
        Membership.objects.filter(organization=org, role=Membership.Role.OWNER)
        .select_related("user")
        .order_by("pk")
    )
    for owner in owners:
        recipients.setdefault(owner.user.email.lower(), owner.user.display_name)
    for email, name in recipients.items():
        queue_email(
            recipient=email,
            template="payment_failed",
            context={
                **org_email_context(org),
                "recipient_name": name,
                "amount": f"{invoice.amount:.2f} {invoice.currency.upper()}",
                "invoice_number": str(invoice),
                "grace_days": grace_days,
                "refused_from": refused_from,
                "billing_url": billing_url,
            },
        )


# --- subscriptions ---------------------------------------------------------------------


def _subscription_updated(account: BillingAccount, obj: dict, created) -> str:
    if obj.get("id") != account.provider_subscription_id:
        return "another subscription"
    if account.subscription_synced_at and created < account.subscription_synced_at:
        return "older than what we have: ignored"
    account.subscription_status = obj.get("status") or account.subscription_status
    items = (obj.get("items") or {}).get("data") or []
    if items and items[0].get("quantity"):
        account.subscription_quantity = items[0]["quantity"]
    account.subscription_synced_at = created
    account.save()
    if account.subscription_status in ("past_due", "unpaid") and not account.past_due_since:
        set_past_due(account, created)
    return f"subscription {account.subscription_status}"


def _subscription_deleted(account: BillingAccount, obj: dict, created) -> str:
    if obj.get("id") != account.provider_subscription_id:
        return "another subscription"
    account.subscription_status = "canceled"
    account.subscription_synced_at = max(created, account.subscription_synced_at or created)
    account.save()
    record_event(
        org=account.organization,
        actor=None,
        action="billing.subscription_ended",
        target=obj.get("id", ""),
        detail={"plan": account.plan.code if account.plan else None},
    )
    return "subscription ended"


# --- payment methods -------------------------------------------------------------------


def _payment_method_attached(account: BillingAccount, obj: dict, created) -> str:
    if account.card_payment_method_id:
        return "a card is on file already"
    card = gateway.card_display(obj)
    account.card_payment_method_id = obj.get("id", "")
    account.card_brand = card["brand"]
    account.card_last4 = card["last4"]
    account.card_exp_month = card["exp_month"]
    account.card_exp_year = card["exp_year"]
    account.save()
    return "card on file"


def _payment_method_detached(account: BillingAccount, obj: dict, created) -> str:
    if obj.get("id") != account.card_payment_method_id:
        return "not the card on file"
    _forget_card(account)
    account.save()
    record_event(
        org=account.organization,
        actor=None,
        action="billing.card_detached",
        target=account.organization.name,
        detail={},
    )
    return "card removed"


HANDLERS = {
    "invoice.payment_succeeded": _payment_succeeded,
    "invoice.paid": _payment_succeeded,
    "invoice.payment_failed": _payment_failed,
    "invoice.created": _invoice_changed,
    "invoice.finalized": _invoice_changed,
    "invoice.voided": _invoice_changed,
    "customer.subscription.updated": _subscription_updated,
    "customer.subscription.deleted": _subscription_deleted,
    "payment_method.attached": _payment_method_attached,
    "payment_method.detached": _payment_method_detached,
}

"""The one module that talks to the payment provider (Stripe, or localstripe locally).

It speaks Stripe's API through the official `stripe` library and returns plain
dicts, so the services never handle the library's objects. It never sees a card
number or CVC: those go from the browser (Stripe.js Elements) to the provider, and
the provider hands back a payment method id.

Plans rather than Prices, and the Card Element with `confirmCardSetup`, so that the
same code runs against real Stripe and against localstripe.
"""

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)


class ProviderError(Exception):
    """The provider refused or could not be reached; the message is fit for a user."""

    def __init__(self, message: str, *, code: str = "provider_error"):
        super().__init__(message)
        self.message = message
        self.code = code


def is_configured() -> bool:
    """Whether keys for a provider are set; without them billing says so and does nothing."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


def csp_sources() -> dict[str, list[str]]:
    """What the card page's Content-Security-Policy must add for Stripe.js: its script,
    the frames it draws and the API it calls; with a stand-in (STRIPE_API_BASE, as
    localstripe in `make run` and the tests), all three are the stand-in's address."""
    script = urlsplit(settings.STRIPE_JS_URL)
    script_origin = f"{script.scheme}://{script.netloc}"
    if settings.STRIPE_API_BASE:
        return {
            "script-src": [script_origin],
            "frame-src": [script_origin],
            "connect-src": [script_origin],
        }
    return {
        "script-src": [script_origin],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
    }


def client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE.rstrip("/")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base} if base else None,
        max_network_retries=1,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def _call(what: str, func, *args, **kwargs):
    """Run one API call, its answer as plain dicts; a provider error becomes a ProviderError."""
    try:
        result = func(*args, **kwargs)
        return result.to_dict() if hasattr(result, "to_dict") else result
    except stripe.CardError as exc:
        logger.info("payment provider declined %s: %s", what, exc.code)
        raise ProviderError(
            exc.user_message or "The card was declined.", code=exc.code or "card_declined"
        ) from exc
    except stripe.StripeError as exc:
        logger.warning("payment provider error on %s: %s %s", what, exc.http_status, exc.code)
        raise ProviderError(
            "The payment provider could not complete this just now. Nothing was changed; "
            "please try again in a moment.",
            code="provider_unavailable",
        ) from exc


def ensure_plan(plan) -> str:
    """The provider's plan for `plan` (created on first use); returns its id."""
    api = client().v1.plans
    plan_id = plan.provider_plan_id
    try:
        api.retrieve(plan_id)
    except stripe.InvalidRequestError:
        _call(
            "plan create",
            api.create,
            params={
                "id": plan_id,
                "amount": plan.price_per_seat_cents,
                "currency": plan.currency,
                "interval": "month",
                "nickname": plan.name,
                "product": {"name": f"Orgportal {plan.name}"},
            },
        )
    except stripe.StripeError as exc:
        raise ProviderError(
            "The payment provider could not be reached. Nothing was changed; try again later.",
            code="provider_unavailable",
        ) from exc
    return plan_id


def _customer_params(*, name: str, email: str, address: dict, metadata: dict) -> dict:
    params = {"name": name, "email": email, "metadata": metadata}
    address = {key: value for key, value in address.items() if value}
    if address:
        params["address"] = address
    return params


def create_customer(*, name: str, email: str, address: dict, metadata: dict) -> str:
    customer = _call(
        "customer create",
        client().v1.customers.create,
        params=_customer_params(name=name, email=email, address=address, metadata=metadata),
    )
    return customer["id"]


def update_customer(customer_id: str, *, name: str, email: str, address: dict, metadata: dict):
    _call(
        "customer update",
        client().v1.customers.update,
        customer_id,
        params=_customer_params(name=name, email=email, address=address, metadata=metadata),
    )


def create_setup_intent(customer_id: str) -> dict:
    """A SetupIntent for a card; its client secret goes to the page, never to the database."""
    intent = _call(
        "setup intent create",
        client().v1.setup_intents.create,
        params={"customer": customer_id, "usage": "off_session", "payment_method_types": ["card"]},
    )
    return {"id": intent["id"], "client_secret": intent["client_secret"]}


def confirmed_card(setup_intent_id: str, *, customer_id: str) -> dict:
    """The card a SetupIntent confirmed for `customer_id`, made the customer's default.

    Returns the payment method id and what we show (brand, last four, expiry).
    Stripe attaches the card to the customer on confirmation; localstripe does not,
    so it is attached here when it is not yet.
    """
    api = client().v1
    intent = _call("setup intent retrieve", api.setup_intents.retrieve, setup_intent_id)
    if intent["customer"] != customer_id:
        raise ProviderError("This card form belongs to another account.", code="wrong_customer")
    if intent["status"] != "succeeded" or not intent["payment_method"]:
        raise ProviderError(
            "The card was not confirmed. Enter it again.", code="setup_not_succeeded"
        )
    payment_method_id = intent["payment_method"]
    if not isinstance(payment_method_id, str):
        payment_method_id = payment_method_id["id"]
    method = _call("payment method retrieve", api.payment_methods.retrieve, payment_method_id)
    if method.get("customer") != customer_id:
        method = _call(
            "payment method attach",
            api.payment_methods.attach,
            payment_method_id,
            params={"customer": customer_id},
        )
    _call(
        "customer default card",
        api.customers.update,
        customer_id,
        params={"invoice_settings": {"default_payment_method": payment_method_id}},
    )
    return {"payment_method_id": payment_method_id, **card_display(method)}


def card_display(method) -> dict:
    card = method.get("card") or {}
    return {
        "brand": card.get("brand") or "",
        "last4": card.get("last4") or "",
        "exp_month": card.get("exp_month"),
        "exp_year": card.get("exp_year"),
    }


def detach_payment_method(payment_method_id: str) -> None:
    _call("payment method detach", client().v1.payment_methods.detach, payment_method_id)


def _subscription(subscription) -> dict:
    items = subscription["items"]["data"]
    return {
        "id": subscription["id"],
        "item_id": items[0]["id"] if items else "",
        "status": subscription["status"],
        "quantity": items[0].get("quantity") if items else subscription.get("quantity"),
    }


def create_subscription(*, customer_id: str, plan_id: str, quantity: int) -> dict:
    """A monthly subscription, quantity = user seats; refused at once if the card fails."""
    subscription = _call(
        "subscription create",
        client().v1.subscriptions.create,
        params={
            "customer": customer_id,
            "items": [{"plan": plan_id, "quantity": quantity}],
            "payment_behavior": "error_if_incomplete",
            "metadata": {"source": "orgportal"},
        },
    )
    return _subscription(subscription)


def update_subscription(*, subscription_id: str, item_id: str, plan_id: str, quantity: int):
    """Change the plan or the seats; the provider prorates."""
    subscription = _call(
        "subscription update",
        client().v1.subscriptions.update,
        subscription_id,
        params={"items": [{"id": item_id, "plan": plan_id, "quantity": quantity}]},
    )
    return _subscription(subscription)


def cancel_subscription(subscription_id: str) -> None:
    try:
        client().v1.subscriptions.cancel(subscription_id)
    except stripe.InvalidRequestError:
        logger.info("subscription %s was already gone at the provider", subscription_id)
    except stripe.StripeError as exc:
        raise ProviderError(
            "The payment provider could not be reached. Nothing was changed; try again later.",
            code="provider_unavailable",
        ) from exc


def list_invoices(customer_id: str, *, limit: int = 24) -> list[dict]:
    """The customer's latest invoices, as plain dicts (see `invoice_fields`)."""
    page = _call(
        "invoice list",
        client().v1.invoices.list,
        params={"customer": customer_id, "limit": limit},
    )
    return [invoice_fields(invoice) for invoice in page["data"]]


def invoice_fields(invoice) -> dict:
    """What we keep of an invoice (an API object or a webhook's plain dict)."""
    created = invoice.get("created") or invoice.get("date") or 0
    status = invoice.get("status") or "open"
    return {
        "provider_invoice_id": invoice["id"],
        "number": invoice.get("number") or "",
        "amount_cents": invoice.get("amount_due", invoice.get("total")) or 0,
        "currency": invoice.get("currency") or "usd",
        "status": status,
        "pdf_url": invoice.get("invoice_pdf") or "",
        "hosted_url": invoice.get("hosted_invoice_url") or "",
        "issued_at": datetime.fromtimestamp(int(created), tz=UTC),
    }

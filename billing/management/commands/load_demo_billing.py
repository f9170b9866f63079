"""The demo's billing: acme on Team with a card and an invoice, globex on Enterprise
(its child organizations need it), acme-labs on Free. Running it again changes nothing.

It talks to the configured provider (`make run` starts localstripe); with none, it
says so and leaves billing off.
"""

import stripe
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from billing import gateway, services
from billing.errors import BillingError
from billing.models import BillingAccount, Plan
from organizations.models import Organization

# org, owner, plan, user seats, card, billing details
DEMO_BILLING = [
    (
        "acme",
        "owner@acme.test",
        "team",
        15,
        True,
        {
            "cardholder_name": "Olivia Owner",
            "contact_email": "billing@acme.test",
            "address_line1": "1 Rocket Road",
            "city": "Springfield",
            "postal_code": "12345",
            "state": "OR",
            "country": "US",
            "tax_id": "US-ACME-0001",
        },
    ),
    (
        "globex",
        "owner@globex.test",
        "enterprise",
        100,
        True,
        {
            "cardholder_name": "Gus Globex",
            "contact_email": "accounts@globex.test",
            "address_line1": "Globex Plaza 1",
            "city": "Cypress Creek",
            "postal_code": "54321",
            "country": "DE",
            "tax_id": "DE123456789",
        },
    ),
    ("acme-labs", "owner@acme.test", "free", 5, False, {}),
]
# A test card the provider knows by this id (Stripe's and localstripe's): Visa 4242.
DEMO_TEST_CARD = "pm_card_visa"


class Command(BaseCommand):
    help = "Put the demo organizations on plans (needs a payment provider, e.g. localstripe)."

    def handle(self, *args, **options):
        if not gateway.is_configured():
            self.stdout.write(
                "Billing: no payment provider is configured (STRIPE_SECRET_KEY and "
                "STRIPE_PUBLISHABLE_KEY), so the Billing tab says billing is off."
            )
            return
        users = get_user_model().objects
        for name, owner_email, plan_code, seats, card, details in DEMO_BILLING:
            org = Organization.objects.filter(name=name).first()
            owner = users.filter(email=owner_email).first()
            if org is None or owner is None:
                continue
            try:
                self._bill(org, owner, Plan.objects.get(code=plan_code), seats, card, details)
            except (gateway.ProviderError, BillingError) as exc:
                self.stderr.write(f"Billing demo for {name} skipped: {exc}")
        self.stdout.write(
            "Billing: owner@acme.test opens /o/acme/billing/ (Team plan, Visa •••• 4242, an "
            "invoice); a card to enter: 4242424242424242, any future expiry (MM, YY), any "
            "3-digit CVC."
        )

    def _bill(self, org, owner, plan, seats, card, details):
        account = BillingAccount.objects.filter(organization=org).first()
        if account is not None and account.provider_customer_id:
            if _provider_knows(account.provider_customer_id):
                if account.plan_id is not None:
                    return
            else:
                _forget_provider(account)
        if details:
            services.update_billing_details(
                org=org, actor=owner, **{**dict.fromkeys(services.DETAIL_FIELDS, ""), **details}
            )
        if card:
            setup = services.start_card_setup(org=org, actor=owner)
            gateway._call(
                "demo card",
                gateway.client().v1.setup_intents.confirm,
                setup["id"],
                params={"payment_method": DEMO_TEST_CARD},
            )
            services.save_card(org=org, actor=owner, setup_intent_id=setup["id"])
        account = services.change_plan(org=org, actor=owner, plan=plan, user_seats=seats)
        services.refresh_invoices(account)


def _provider_knows(customer_id: str) -> bool:
    try:
        gateway.client().v1.customers.retrieve(customer_id)
    except stripe.InvalidRequestError:
        return False
    return True


def _forget_provider(account: BillingAccount) -> None:
    """The provider lost its state (a new localstripe): start the demo account again."""
    account.invoices.all().delete()
    BillingAccount.objects.filter(pk=account.pk).update(
        plan=None,
        provider_customer_id="",
        provider_subscription_id="",
        provider_subscription_item_id="",
        subscription_status="",
        subscription_quantity=0,
        card_payment_method_id="",
        card_brand="",
        card_last4="",
        card_exp_month=None,
        card_exp_year=None,
    )

"""After a full card flow, no column of any table and no log line holds the card number
or CVC: the browser sends them to the provider, we get a payment method id back."""

import logging

import pytest
import requests
from django.test import Client
from django.urls import reverse

from billing import services
from billing.models import BillingAccount

from ..factories import PASSWORD
from .conftest import DETAILS, PUBLISHABLE_KEY
from .scan import card_data_found, card_data_in

pytestmark = pytest.mark.django_db

NUMBER = "4242424242424242"
CVC = "737"


def confirm_in_the_browser(localstripe_url: str, client_secret: str) -> str:
    """What Stripe.js (localstripe's stand-in) sends: straight to the provider, with the
    publishable key; returns the SetupIntent's id the page posts to us."""
    setup_id = client_secret.split("_secret_")[0]
    response = requests.post(
        f"{localstripe_url}/v1/setup_intents/{setup_id}/confirm",
        json={
            "key": PUBLISHABLE_KEY,
            "use_stripe_sdk": True,
            "client_secret": client_secret,
            "payment_method_data": {
                "type": "card",
                "card": {"number": NUMBER, "exp_month": "12", "exp_year": "2031", "cvc": CVC},
                "billing_details": {"name": "Olivia Owner"},
            },
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "succeeded"
    return setup_id


def test_scan_finds_what_it_looks_for():
    assert card_data_in(f"card {NUMBER}", number=NUMBER, cvc=CVC)
    assert card_data_in("4242 4242 4242 4242", number=NUMBER, cvc=CVC)
    assert card_data_in('{"cvc": "1"}', number=NUMBER, cvc=CVC)
    assert card_data_in(f"code {CVC}.", number=NUMBER, cvc=CVC)
    assert not card_data_in("Visa •••• 4242, pm_1737x", number=NUMBER, cvc=CVC)


def test_no_table_and_no_log_line_holds_the_card(
    stripe_on, org, owner, plans, caplog, captured_logs
):
    # Every logger at DEBUG, as the production handler writes it (tests/logcapture.py);
    # the stripe library's own level too: every request it makes.
    caplog.set_level(logging.DEBUG, logger="stripe")
    services.update_billing_details(org=org, actor=owner, **DETAILS)
    client = Client()
    client.force_login(owner)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("billing:card", args=[org.name]))
    client_secret = page.context["setup"]["client_secret"]
    setup_id = confirm_in_the_browser(stripe_on, client_secret)
    response = client.post(
        reverse("billing:card", args=[org.name]), {"setup_intent": setup_id}, follow=True
    )
    assert "Visa •••• 4242" in response.content.decode()
    plan_page = client.post(
        reverse("billing:plan", args=[org.name]), {"plan": plans["team"].pk, "user_seats": 10}
    )
    assert plan_page.status_code == 302
    account = BillingAccount.objects.get(organization=org)
    assert account.card_last4 == "4242" and account.card_exp_year == 2031

    # The number anywhere in a written line (plain and JSON); the number's digits, the
    # CVC and the word "cvc" in every message (time stamps and request ids hold digits).
    captured_logs.assert_free_of(NUMBER, " ".join(NUMBER[i : i + 4] for i in range(0, 16, 4)))
    lines = [entry["message"] for entry in captured_logs.json_entries]
    assert lines, "the flow logs something: the scan looks at real lines"
    assert any(entry["logger"] == "stripe" for entry in captured_logs.json_entries)
    assert card_data_found(number=NUMBER, cvc=CVC, log_lines=lines) == []

"""A real localstripe server for the billing tests, and helpers that sign webhooks.

`localstripe_url` starts one localstripe process for the session on a free port
(through `manage.py localstripe`, state in memory only) and skips, saying why, only
when it cannot start. `stripe_on` points the portal at it for one test.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stripe import WebhookSignature

from billing import gateway, services
from billing.models import Plan

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_test_orgportal"
SECRET_KEY = "sk_test_orgportal"
PUBLISHABLE_KEY = "pk_test_orgportal"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("STRIPE_") and key != "DATABASE_URL"
    }
    try:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "localstripe", "--port", str(port), "--store", ""],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        pytest.skip(f"localstripe could not start: {exc}")
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                error = process.stderr.read().decode(errors="replace")[-500:]
                reason = f"localstripe could not start on port {port}: {error or 'timeout'}"
                print(reason)
                pytest.skip(reason)
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def stripe_on(settings, localstripe_url):
    """The portal talks to the session's localstripe, with test keys and a signing secret."""
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_JS_URL = localstripe_url + "/js.stripe.com/v3/"
    return localstripe_url


@pytest.fixture
def stripe_off(settings):
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


@pytest.fixture
def plans(db):
    """The plans the migration ships: Free, Team, Enterprise (again after a flush)."""
    from importlib import import_module

    from django.apps import apps as django_apps

    import_module("billing.migrations.0002_default_plans").add_plans(django_apps, None)
    return {plan.code: plan for plan in Plan.objects.all()}


DETAILS = {
    "cardholder_name": "Olivia Owner",
    "contact_email": "billing@example.com",
    "address_line1": "1 Rocket Road",
    "address_line2": "",
    "city": "Springfield",
    "postal_code": "12345",
    "state": "OR",
    "country": "US",
    "tax_id": "",
}


def add_card(org, owner, payment_method: str = "pm_card_visa"):
    """Billing details and a test card on file, the card confirmed as Stripe.js would."""
    services.update_billing_details(org=org, actor=owner, **DETAILS)
    setup = services.start_card_setup(org=org, actor=owner)
    gateway.client().v1.setup_intents.confirm(
        setup["id"], params={"payment_method": payment_method}
    )
    return services.save_card(org=org, actor=owner, setup_intent_id=setup["id"])


def signed(payload, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """(body, Stripe-Signature header) as the provider sends them; `payload` a dict or text."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = WebhookSignature._compute_signature(f"{timestamp}.{body}", secret)
    return body, f"t={timestamp},v1={signature}"


def event(event_id: str, type_: str, obj: dict, *, created: int | None = None) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": type_,
        "created": int(time.time()) if created is None else created,
        "data": {"object": obj},
    }

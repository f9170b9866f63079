"""The provider's webhooks: signatures, replays, order, and what a failed payment does."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing.models import BillingAccount, Invoice, WebhookEvent
from invitations import services as invitation_services
from notifications.models import OutboxEmail
from organizations import seats
from organizations import services as org_services
from organizations.models import AuditEvent, Membership, Organization

from ..factories import MembershipFactory
from .conftest import event, signed

pytestmark = pytest.mark.django_db

WEBHOOK_URL = "/billing/webhooks/stripe/"


@pytest.fixture
def account(org, stripe_off):
    """acme on a paid plan as the provider knows it: customer, subscription, card."""
    return BillingAccount.objects.create(
        organization=org,
        cardholder_name="Olivia Owner",
        contact_email="billing@example.com",
        provider_customer_id="cus_acme",
        provider_subscription_id="sub_acme",
        provider_subscription_item_id="si_acme",
        subscription_status="active",
        subscription_quantity=25,
        card_payment_method_id="pm_acme",
        card_brand="visa",
        card_last4="4242",
        card_exp_month=12,
        card_exp_year=2030,
    )


def invoice_obj(invoice_id="in_1", *, amount=4000, status="open", number="ACME-0001"):
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": "cus_acme",
        "number": number,
        "amount_due": amount,
        "currency": "usd",
        "status": status,
        "created": 1_800_000_000,
        "invoice_pdf": "https://pay.example/invoice.pdf",
    }


def deliver(client, payload, **kwargs):
    body, signature = signed(payload, **kwargs)
    return client.post(
        WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def state():
    return (
        list(BillingAccount.objects.values()),
        list(Invoice.objects.values()),
        WebhookEvent.objects.count(),
        AuditEvent.objects.count(),
        OutboxEmail.objects.count(),
        list(Organization.objects.values_list("payment_overdue_since", flat=True)),
    )


def test_the_webhook_url_is_fixed():
    assert reverse("billing:webhook") == WEBHOOK_URL


@pytest.mark.parametrize(
    "how", ["wrong secret", "no signature", "tampered body", "old timestamp", "not json"]
)
def test_a_bad_signature_gets_400_and_changes_nothing(client, account, how):
    payload = event("evt_1", "invoice.payment_failed", invoice_obj())
    before = state()
    if how == "wrong secret":
        response = deliver(client, payload, secret="whsec_someone_else")
    elif how == "no signature":
        response = client.post(WEBHOOK_URL, payload, content_type="application/json")
    elif how == "tampered body":
        body, signature = signed(payload)
        response = client.post(
            WEBHOOK_URL,
            body.replace("4000", "1"),
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
    elif how == "old timestamp":
        response = deliver(client, payload, timestamp=1_600_000_000)
    else:
        response = deliver(client, "not json")
    assert response.status_code == 400
    assert state() == before


def test_a_failed_payment_marks_the_org_past_due_and_emails_contact_and_owners(
    client, client_for, account, org, owner, admin_user, django_capture_on_commit_callbacks
):
    second_owner = MembershipFactory(organization=org, role=Membership.Role.OWNER).user
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, event("evt_1", "invoice.payment_failed", invoice_obj()))
    assert response.status_code == 200
    org.refresh_from_db()
    account.refresh_from_db()
    assert org.payment_overdue_since is not None
    assert account.past_due_since == org.payment_overdue_since
    invoice = Invoice.objects.get(provider_invoice_id="in_1")
    assert (invoice.status, invoice.amount_cents) == (Invoice.Status.FAILED, 4000)
    recipients = set(
        OutboxEmail.objects.filter(template="payment_failed").values_list("recipient", flat=True)
    )
    assert recipients == {"billing@example.com", owner.email, second_owner.email}
    email = OutboxEmail.objects.filter(recipient="billing@example.com").get()
    assert "40.00 USD" in email.body_text and "/o/acme/billing/" in email.body_text
    audit = AuditEvent.objects.get(organization=org, action="billing.payment_failed")
    assert audit.detail == {"amount_cents": 4000, "currency": "usd"}

    # The banner: on every org page for owners, not for admins.
    for name in ("organizations:dashboard", "organizations:members", "organizations:teams"):
        page = client_for(owner).get(reverse(name, args=[org.name]))
        assert b'data-testid="past-due-banner"' in page.content
    page = client_for(admin_user).get(reverse("organizations:dashboard", args=[org.name]))
    assert b"past-due-banner" not in page.content


def test_a_replayed_event_changes_nothing(client, account, django_capture_on_commit_callbacks):
    payload = event("evt_1", "invoice.payment_failed", invoice_obj())
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, payload).status_code == 200
    after_first = state()
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, payload)
    assert response.status_code == 200
    assert response.content == b"replay ignored"
    assert state() == after_first


def test_payment_succeeded_clears_past_due(client, account, org):
    deliver(client, event("evt_1", "invoice.payment_failed", invoice_obj()))
    deliver(client, event("evt_2", "invoice.payment_succeeded", invoice_obj(status="paid")))
    org.refresh_from_db()
    assert org.payment_overdue_since is None
    assert Invoice.objects.get(provider_invoice_id="in_1").status == Invoice.Status.PAID
    assert AuditEvent.objects.filter(action="billing.payment_recovered").exists()


def test_out_of_order_a_late_failure_does_not_undo_a_payment(client, account, org):
    deliver(client, event("evt_2", "invoice.payment_succeeded", invoice_obj(status="paid")))
    deliver(client, event("evt_1", "invoice.payment_failed", invoice_obj(), created=1))
    org.refresh_from_db()
    assert org.payment_overdue_since is None
    assert Invoice.objects.get(provider_invoice_id="in_1").status == Invoice.Status.PAID
    assert not OutboxEmail.objects.filter(template="payment_failed").exists()


def test_out_of_order_an_older_subscription_update_is_ignored(client, account):
    now = int(timezone.now().timestamp())
    newer = {
        "id": "sub_acme",
        "object": "subscription",
        "customer": "cus_acme",
        "status": "active",
        "items": {"data": [{"id": "si_acme", "quantity": 30}]},
    }
    older = {**newer, "status": "past_due", "items": {"data": [{"id": "si_acme", "quantity": 20}]}}
    deliver(client, event("evt_new", "customer.subscription.updated", newer, created=now))
    deliver(client, event("evt_old", "customer.subscription.updated", older, created=now - 60))
    account.refresh_from_db()
    assert (account.subscription_status, account.subscription_quantity) == ("active", 30)
    assert WebhookEvent.objects.get(event_id="evt_old").outcome.startswith("older")


def test_subscription_deleted_is_recorded(client, account, org):
    obj = {"id": "sub_acme", "object": "subscription", "customer": "cus_acme", "status": "canceled"}
    deliver(client, event("evt_1", "customer.subscription.deleted", obj))
    account.refresh_from_db()
    assert account.subscription_status == "canceled"
    assert AuditEvent.objects.filter(organization=org, action="billing.subscription_ended").exists()


def test_payment_method_detached_and_attached(client, account):
    card = {"brand": "mastercard", "last4": "4444", "exp_month": 1, "exp_year": 2031}
    detached = {"id": "pm_acme", "object": "payment_method", "customer": None, "card": card}
    deliver(client, event("evt_1", "payment_method.detached", detached))
    account.refresh_from_db()
    assert not account.has_card
    attached = {"id": "pm_new", "object": "payment_method", "customer": "cus_acme", "card": card}
    deliver(client, event("evt_2", "payment_method.attached", attached))
    account.refresh_from_db()
    assert account.card_label == "Mastercard •••• 4444"


def test_an_event_for_no_account_is_recorded_and_ignored(client, account):
    obj = invoice_obj()
    obj["customer"] = "cus_someone_else"
    before = Invoice.objects.count()
    assert deliver(client, event("evt_x", "invoice.payment_failed", obj)).status_code == 200
    assert Invoice.objects.count() == before
    assert WebhookEvent.objects.get(event_id="evt_x").outcome == "no account"


def test_past_the_grace_period_new_seats_are_refused_until_paid(client, account, org, owner):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=50)
    deliver(client, event("evt_1", "invoice.payment_failed", invoice_obj()))
    # Within the grace period (7 days by default) seats are still given.
    invitation_services.invite_member(
        org=org, inviter=owner, email="early@example.com", role=Membership.Role.MEMBER
    )
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        with pytest.raises(seats.SeatLimitExceeded) as refused:
            invitation_services.invite_member(
                org=org, inviter=owner, email="late@example.com", role=Membership.Role.MEMBER
            )
        assert refused.value.code == "payment_overdue"
        with pytest.raises(seats.SeatLimitExceeded):
            org_services.register_device(org=org, actor=owner, name="Kiosk", identifier="K-9")
    deliver(client, event("evt_2", "invoice.payment_succeeded", invoice_obj(status="paid")))
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        invitation_services.invite_member(
            org=org, inviter=owner, email="late@example.com", role=Membership.Role.MEMBER
        )


def test_the_grace_period_is_a_governance_setting(client, account, org, owner, governance):
    governance.billing_grace_period_days = 0
    governance.save()
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=50)
    deliver(client, event("evt_1", "invoice.payment_failed", invoice_obj()))
    with pytest.raises(seats.SeatLimitExceeded):
        invitation_services.invite_member(
            org=org, inviter=owner, email="now@example.com", role=Membership.Role.MEMBER
        )

"""Billing's services against a real localstripe: plans, seats, details, the card."""

import pytest

from billing import gateway, services
from billing.errors import BillingError, BillingNotConfigured
from billing.models import BillingAccount
from organizations import services as org_services
from organizations.errors import NotAllowed
from organizations.models import AuditEvent, Membership, Organization
from organizations.services import SeatsInUse

from ..factories import MembershipFactory
from .conftest import DETAILS, add_card

pytestmark = pytest.mark.django_db


def provider_subscription(account):
    subscription_id = account.provider_subscription_id
    assert subscription_id
    return gateway.client().v1.subscriptions.retrieve(subscription_id)


def test_billing_details_create_the_provider_customer_and_are_audited(stripe_on, org, owner):
    account = services.update_billing_details(org=org, actor=owner, **DETAILS)
    customer = gateway.client().v1.customers.retrieve(account.provider_customer_id)
    assert (customer["name"], customer["email"]) == ("Olivia Owner", "billing@example.com")
    assert customer["address"]["country"] == "US"
    event = AuditEvent.objects.get(organization=org, action="billing.details_change")
    assert "contact_email" in event.detail["fields"]
    updated = services.update_billing_details(
        org=org, actor=owner, **{**DETAILS, "contact_email": "ap@example.com"}
    )
    assert gateway.client().v1.customers.retrieve(updated.provider_customer_id)["email"] == (
        "ap@example.com"
    )


def test_a_card_confirmed_by_setup_intent_is_kept_as_brand_last_four_and_expiry(
    stripe_on, org, owner
):
    account = add_card(org, owner)
    assert account.card_label == "Visa •••• 4242"
    assert (account.card_exp_month, account.card_exp_year) == (12, 2030)
    event = AuditEvent.objects.get(organization=org, action="billing.card_update")
    assert event.detail == {"brand": "visa", "replaced": False}
    # Update card: the new one replaces the old, which is detached at the provider.
    old = account.card_payment_method_id
    account = add_card(org, owner)
    assert account.card_payment_method_id != old
    assert gateway.client().v1.payment_methods.retrieve(old)["customer"] is None


def test_plan_change_within_limits_sets_seats_and_subscription(
    stripe_on, org, owner, plans, django_capture_on_commit_callbacks
):
    add_card(org, owner)
    with django_capture_on_commit_callbacks(execute=True):
        account = services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=12)
    org.refresh_from_db()
    assert (org.user_seat_limit, org.device_seat_limit) == (12, plans["team"].included_device_seats)
    assert account.plan == plans["team"]
    subscription = provider_subscription(account)
    assert subscription["status"] == "active"
    assert subscription["items"]["data"][0]["quantity"] == 12
    assert subscription["items"]["data"][0]["plan"]["id"] == plans["team"].provider_plan_id
    assert AuditEvent.objects.filter(
        organization=org, action="billing.plan_change", target="team"
    ).exists()
    # The first invoice was fetched and stored once the change committed.
    assert account.invoices.filter(status="paid", amount_cents=12 * 800).exists()


def test_plan_change_past_the_plan_limits_is_refused(stripe_on, org, owner, plans):
    add_card(org, owner)
    with pytest.raises(BillingError) as refused:
        services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=101)
    assert refused.value.code == "above_plan_maximum"
    with pytest.raises(BillingError) as refused:
        services.change_plan(org=org, actor=owner, plan=plans["enterprise"], user_seats=3)
    assert refused.value.code == "below_plan_minimum"
    assert not BillingAccount.objects.get(organization=org).plan


def test_seat_purchase_changes_the_subscription_quantity(stripe_on, org, owner, plans):
    add_card(org, owner)
    services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=10)
    account = services.change_seats(org=org, actor=owner, user_seats=15)
    org.refresh_from_db()
    assert org.user_seat_limit == 15
    assert provider_subscription(account)["items"]["data"][0]["quantity"] == 15
    assert account.subscription_quantity == 15
    event = AuditEvent.objects.get(organization=org, action="billing.seats_change")
    assert event.detail["from_seats"] == 10 and event.detail["user_seats"] == 15


def test_downgrade_refused_while_usage_is_above_the_new_plan(stripe_on, org, owner, plans):
    add_card(org, owner)
    services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=10)
    for _ in range(6):
        MembershipFactory(organization=org)
    with pytest.raises(SeatsInUse) as refused:
        services.change_plan(org=org, actor=owner, plan=plans["free"], user_seats=5)
    assert "uses 7 user seats" in refused.value.message
    assert "Free 2 of them" in refused.value.message
    org.refresh_from_db()
    account = BillingAccount.objects.get(organization=org)
    assert (org.user_seat_limit, account.plan) == (10, plans["team"])
    assert provider_subscription(account)["status"] == "active"
    # Fewer seats than in use on the same plan: refused the same way.
    with pytest.raises(SeatsInUse):
        services.change_seats(org=org, actor=owner, user_seats=6)


def test_child_orgs_refused_on_a_plan_without_them(stripe_on, org, owner, plans):
    add_card(org, owner)
    services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=20)
    with pytest.raises(NotAllowed) as refused:
        org_services.create_child_organization(
            parent=org,
            creator=owner,
            kind="group",
            display_name="Labs",
            admin_email=owner.email,
            user_seats=2,
            device_seats=0,
        )
    assert refused.value.code == "plan_without_child_orgs"
    assert "Enterprise" in refused.value.message
    services.change_plan(org=org, actor=owner, plan=plans["enterprise"], user_seats=20)
    group = org_services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Labs",
        admin_email=owner.email,
        user_seats=2,
        device_seats=0,
    )
    assert group.parent == org
    # Back to Team while a group exists: refused, naming it.
    with pytest.raises(BillingError) as refused:
        services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=20)
    assert refused.value.code == "plan_without_child_orgs"


def test_a_paid_plan_needs_a_card(stripe_on, org, owner, plans):
    services.update_billing_details(org=org, actor=owner, **DETAILS)
    with pytest.raises(BillingError) as refused:
        services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=10)
    assert refused.value.code == "card_required"
    org.refresh_from_db()
    assert org.user_seat_limit == 25  # the governance default, untouched


def test_the_card_is_removed_only_when_nothing_is_due(stripe_on, org, owner, plans):
    add_card(org, owner)
    paid = services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=10)
    with pytest.raises(BillingError) as refused:
        services.remove_card(org=org, actor=owner)
    assert refused.value.code == "amount_due"
    services.change_plan(org=org, actor=owner, plan=plans["free"], user_seats=5)
    assert provider_subscription(paid)["status"] == "canceled"
    account = services.remove_card(org=org, actor=owner)
    assert not account.has_card
    assert AuditEvent.objects.filter(organization=org, action="billing.card_remove").exists()


@pytest.mark.parametrize("who", ["admin_user", "member_user", "outsider"])
def test_only_owners_change_billing(stripe_on, org, owner, plans, who, request):
    actor = request.getfixturevalue(who)
    add_card(org, owner)
    before = (Organization.objects.get(pk=org.pk).user_seat_limit, AuditEvent.objects.count())
    calls = [
        lambda: services.change_plan(org=org, actor=actor, plan=plans["team"], user_seats=10),
        lambda: services.update_billing_details(org=org, actor=actor, **DETAILS),
        lambda: services.start_card_setup(org=org, actor=actor),
        lambda: services.save_card(org=org, actor=actor, setup_intent_id="seti_x"),
        lambda: services.remove_card(org=org, actor=actor),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert (Organization.objects.get(pk=org.pk).user_seat_limit, AuditEvent.objects.count()) == (
        before
    )


def test_a_provider_that_is_down_changes_nothing(stripe_on, settings, org, owner, plans):
    add_card(org, owner)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens
    settings.STRIPE_TIMEOUT_SECONDS = 2
    events = AuditEvent.objects.count()
    with pytest.raises(gateway.ProviderError) as refused:
        services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=10)
    assert refused.value.code == "provider_unavailable"
    org.refresh_from_db()
    assert org.user_seat_limit == 25
    assert BillingAccount.objects.get(organization=org).plan is None
    assert AuditEvent.objects.count() == events


def test_without_a_provider_billing_changes_are_refused(stripe_off, org, owner, plans):
    with pytest.raises(BillingNotConfigured):
        services.change_plan(org=org, actor=owner, plan=plans["free"], user_seats=5)
    # The details are ours: they are kept even with no provider.
    account = services.update_billing_details(org=org, actor=owner, **DETAILS)
    assert account.cardholder_name == "Olivia Owner" and not account.provider_customer_id


def test_groups_have_no_billing_of_their_own(stripe_on, org, owner, plans):
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=50)
    group = org_services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Labs",
        admin_email=owner.email,
        user_seats=2,
        device_seats=0,
    )
    assert Membership.objects.filter(organization=group, user=owner).exists()
    with pytest.raises(NotAllowed):
        services.change_plan(org=group, actor=owner, plan=plans["free"], user_seats=5)

"""The Billing tab: who sees it, re-authentication, what it shows, and its query count."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import BillingAccount, Invoice
from organizations.models import AuditEvent, Membership, Organization

from ..factories import PASSWORD, MembershipFactory
from .conftest import DETAILS, add_card

pytestmark = pytest.mark.django_db

BILLING_PAGES = ["overview", "plan", "seats", "details", "card", "card_remove"]


def url(name, org, **query):
    path = reverse(f"billing:{name}", args=[org.name])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def reauthenticate(client):
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def signed_in(user, *, recently=True):
    """A client signed in as `user`; `recently` as after giving the password again."""
    client = Client()
    client.force_login(user)
    if recently:
        reauthenticate(client)
    return client


@pytest.mark.parametrize("page", BILLING_PAGES)
@pytest.mark.parametrize(
    ("who", "status"), [("admin_user", 403), ("member_user", 404), ("outsider", 404)]
)
def test_only_owners_open_billing(client_for, org, page, who, status, request, stripe_off):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(url(page, org)).status_code == status
    assert client.post(url(page, org), {"user_seats": 10}).status_code == status


def test_the_billing_tab_is_shown_to_owners_only(client_for, org, owner, admin_user, stripe_off):
    dashboard = reverse("organizations:dashboard", args=[org.name])
    assert b'data-testid="billing-tab"' in client_for(owner).get(dashboard).content
    assert b"billing-tab" not in client_for(admin_user).get(dashboard).content


def test_a_group_has_no_billing_tab(client_for, org, owner, stripe_off):
    from organizations import services as org_services

    group = org_services.create_child_organization(
        parent=org,
        creator=owner,
        kind="group",
        display_name="Labs",
        admin_email=owner.email,
        user_seats=2,
        device_seats=0,
    )
    client = client_for(owner)
    assert (
        b"billing-tab"
        not in client.get(reverse("organizations:dashboard", args=[group.name])).content
    )
    assert client.get(url("overview", group)).status_code == 404


def test_without_a_provider_the_tab_says_so_and_the_rest_works(client_for, org, owner, stripe_off):
    client = client_for(owner)
    page = client.get(url("overview", org))
    assert page.status_code == 200
    assert b'data-testid="billing-not-configured"' in page.content
    assert client.get(reverse("organizations:members", args=[org.name])).status_code == 200


def test_every_billing_change_asks_for_the_password_again(org, owner, stripe_off):
    client = signed_in(owner, recently=False)
    for page in ("plan", "seats", "details", "card", "card_remove"):
        response = client.post(url(page, org), DETAILS)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_reauthenticate")), page
    response = client.get(url("card", org))
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not BillingAccount.objects.exists()


def test_billing_details_saved_after_reauthentication_and_escaped(org, owner, stripe_off, settings):
    client = signed_in(owner, recently=False)
    reauthenticate(client)
    payload = '<script>alert("x")</script>'
    response = client.post(url("details", org), {**DETAILS, "cardholder_name": payload})
    assert response.status_code == 302
    account = BillingAccount.objects.get(organization=org)
    assert account.cardholder_name == payload
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_x"
    page = client.get(url("overview", org)).content.decode()
    assert payload not in page
    assert "&lt;script&gt;" in page
    assert AuditEvent.objects.filter(action="billing.details_change").exists()


def test_bad_details_show_errors_next_to_the_fields(org, owner, stripe_off):
    client = signed_in(owner)
    response = client.post(
        url("details", org), {**DETAILS, "contact_email": "not-an-email", "country": "XX"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"contact_email", "country"}


def test_overview_shows_stored_state_in_few_queries_and_without_the_provider(
    client_for, org, owner, plans, stripe_off, settings, django_assert_max_num_queries
):
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_unreachable"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # any call would fail
    account = BillingAccount.objects.create(
        organization=org,
        plan=plans["team"],
        **{k: v for k, v in DETAILS.items() if k != "country"},
        country="US",
        provider_customer_id="cus_x",
        card_payment_method_id="pm_x",
        card_brand="visa",
        card_last4="4242",
        card_exp_month=12,
        card_exp_year=2030,
    )
    now = timezone.now()
    for i in range(30):
        Invoice.objects.create(
            account=account,
            provider_invoice_id=f"in_{i}",
            number=f"INV-{i:03}",
            amount_cents=1000 + i,
            status="paid",
            issued_at=now - timezone.timedelta(days=30 - i),
            pdf_url="https://pay.example/x.pdf" if i % 2 else "",
        )
    client = client_for(owner)
    client.get(url("overview", org))  # warm the session and caches
    with django_assert_max_num_queries(10):
        page = client.get(url("overview", org))
    text = page.content.decode()
    assert "Visa •••• 4242" in text
    assert text.index("INV-029") < text.index("INV-028")  # newest first
    assert "INV-009" not in text  # the second page
    second = client.get(url("overview", org, page=2)).content.decode()
    assert "INV-009" in second and "INV-029" not in second
    assert client.get(url("overview", org, page="nope")).status_code == 200


def test_plan_page_refusal_is_shown_on_the_field(org, owner, plans, stripe_off, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_x"
    for _ in range(6):
        MembershipFactory(organization=org)
    client = signed_in(owner)
    response = client.post(url("plan", org), {"plan": plans["free"].pk, "user_seats": 5})
    assert response.status_code == 200
    assert "Free 2 of them" in " ".join(response.context["form"].errors["user_seats"])
    response = client.post(url("plan", org), {"plan": plans["team"].pk, "user_seats": 500})
    assert "at most 100" in " ".join(response.context["form"].errors["user_seats"])
    assert Organization.objects.get(pk=org.pk).user_seat_limit == 25


def test_card_page_serves_the_elements_form_configured_by_data_attributes(org, owner, stripe_on):
    from billing import services

    services.update_billing_details(org=org, actor=owner, **DETAILS)
    client = signed_in(owner)
    page = client.get(url("card", org)).content.decode()
    assert f'src="{stripe_on}/js.stripe.com/v3/"' in page
    assert 'src="/static/js/billing.js"' in page
    assert 'data-client-secret="seti_' in page
    assert 'data-stripe-key="pk_test_orgportal"' in page
    assert "<script>" not in page.replace("<script src=", "")  # no inline script


def test_card_post_with_a_confirmed_setup_intent_saves_the_card(org, owner, stripe_on):
    from billing import gateway, services

    services.update_billing_details(org=org, actor=owner, **DETAILS)
    client = signed_in(owner)
    setup = services.start_card_setup(org=org, actor=owner)
    gateway.client().v1.setup_intents.confirm(
        setup["id"], params={"payment_method": "pm_card_visa"}
    )
    response = client.post(url("card", org), {"setup_intent": setup["id"]}, follow=True)
    assert "Visa •••• 4242" in response.content.decode()
    # A made-up or foreign SetupIntent is refused on the page.
    response = client.post(url("card", org), {"setup_intent": "seti_forged"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_seats_form_buys_seats(org, owner, plans, stripe_on):
    add_card(org, owner)
    from billing import services

    services.change_plan(org=org, actor=owner, plan=plans["team"], user_seats=10)
    client = signed_in(owner)
    response = client.post(url("seats", org), {"user_seats": 15}, follow=True)
    assert "Bought 5 more user seats" in response.content.decode()
    assert Organization.objects.get(pk=org.pk).user_seat_limit == 15
    assert Membership.objects.filter(organization=org).count() == 1


def test_seats_without_a_plan_and_removing_no_card_lead_back_with_a_message(org, owner, stripe_off):
    client = signed_in(owner)
    response = client.get(url("seats", org))
    assert response.status_code == 302 and response.url == url("plan", org)
    response = client.post(url("card_remove", org), follow=True)
    assert response.redirect_chain == [(url("overview", org), 302)], response.redirect_chain
    assert "There is no card on file." in response.content.decode()


def test_staff_set_the_grace_period_and_edit_plans_in_the_admin(client, plans):
    from ..factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    governance = client.get(reverse("admin:organizations_governancesettings_change"))
    assert b"billing_grace_period_days" in governance.content
    plan = client.get(reverse("admin:billing_plan_change", args=[plans["team"].pk]))
    assert b"max_user_seats" in plan.content and b"allows_child_organizations" in plan.content

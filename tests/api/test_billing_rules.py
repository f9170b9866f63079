"""Billing's rules hold over the API: the same services, the same guards (hooks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import BillingAccount, Plan
from organizations.models import Organization

from .conftest import as_json

pytestmark = pytest.mark.django_db

ORGS = "/api/v2/organizations"


def test_no_new_seat_while_a_payment_is_past_due_beyond_the_grace(platform_api, org):
    Organization.objects.filter(pk=org.pk).update(
        payment_overdue_since=timezone.now() - timedelta(days=60)
    )
    response = platform_api.post(
        f"{ORGS}/{org.public_id}/invitations",
        {"inviter": {"name": "Acme HR"}, "invitee": {"email": "new@example.com"}},
        format="json",
    )
    assert response.status_code == 409, response.content
    body = as_json(response)
    assert body["errorCode"] == "payment_overdue"
    assert "past due" in body["message"]


def test_a_plan_without_child_organizations_refuses_them(platform_api, tree):
    org = tree["org"]
    plan = Plan.objects.filter(is_active=True, allows_child_organizations=False).first()
    assert plan is not None, "the default plans include one without child organizations"
    BillingAccount.objects.create(organization=org, plan=plan)
    response = platform_api.post(
        f"{ORGS}/{org.public_id}/children",
        {
            "kind": "group",
            "display_name": "Acme Ops",
            "admin_email": "ops-lead@example.com",
            "user_seats": 1,
            "device_seats": 0,
        },
        format="json",
    )
    assert response.status_code == 403, response.content
    assert as_json(response)["errorCode"] == "plan_without_child_orgs"
    assert not Organization.objects.filter(display_name="Acme Ops").exists()

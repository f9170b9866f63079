"""Billing's say in organizations' rules, registered in `organizations.hooks`."""

from datetime import timedelta

from django.utils import timezone

from organizations import seats
from organizations.errors import NotAllowed
from organizations.models import GovernanceSettings, Organization

from .models import BillingAccount, Plan


def billed_org(org: Organization) -> Organization:
    """The org whose billing covers `org`: groups are billed through their parent's pool."""
    if not org.is_group:
        return org
    root_id = seats.pool_chain(org)[0]
    return Organization.objects.get(pk=root_id)


def refuse_seats_while_overdue(*, pool: Organization, resource: str, count: int) -> None:
    """New seats are refused once a payment is past due for longer than the grace period."""
    billed = billed_org(pool)
    since = billed.payment_overdue_since
    if since is None:
        return
    grace = timedelta(days=GovernanceSettings.get_solo().billing_grace_period_days)
    if timezone.now() < since + grace:
        return
    label = seats.RESOURCES[resource]["label"]
    error = seats.SeatLimitExceeded(
        f"A payment for {billed.display_name} is past due since "
        f"{since:%Y-%m-%d}: no new {label} until it is paid. An owner can update the card "
        "on the Billing page.",
        resource=resource,
        available=0,
    )
    error.code = "payment_overdue"
    raise error


def refuse_children_without_plan(*, parent: Organization, kind: str) -> None:
    """Child organizations need a plan with them (Amplify: "Enterprise Subscription Required").

    An org billing has not set a plan for yet keeps the governance defaults.
    """
    billed = billed_org(parent)
    account = BillingAccount.objects.filter(organization=billed).select_related("plan").first()
    if account is None or account.plan is None:
        return
    plan = account.plan
    if kind == Organization.Kind.CUSTOMER:
        allowed, what, field = plan.allows_customers, "customer organizations", "allows_customers"
    else:
        allowed, what = plan.allows_child_organizations, "child organizations"
        field = "allows_child_organizations"
    if allowed:
        return
    offering = list(
        Plan.objects.filter(is_active=True, **{field: True}).values_list("name", flat=True)
    )
    needed = " or ".join(offering) if offering else "another"
    raise NotAllowed(
        f"{billed.display_name} is on the {plan.name} plan, which has no {what}. "
        f"An owner can change to the {needed} plan on the Billing page.",
        code="plan_without_child_orgs",
    )

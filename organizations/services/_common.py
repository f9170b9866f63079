"""Helpers shared by the service modules: lock the org and check the actor's right."""

from .. import permissions, seats
from ..errors import NotAllowed
from ..models import Membership, Organization
from ..selectors import access_to


def lock_and_authorize(org: Organization, actor, action: str) -> tuple[Organization, Membership]:
    """Lock `org`'s row, then make sure `actor` (re-read now) may take `action` in it."""
    org = seats.lock_pool(org)
    membership = access_to(org, actor)
    if membership is not None and permissions.suspension_blocks(org, action):
        raise NotAllowed(permissions.suspended_reason(org), code="org_suspended")
    if not permissions.membership_allows(membership, action):
        raise NotAllowed("Your role in this organization does not allow this.", code="not_allowed")
    return org, membership


def org_member(org: Organization, membership: Membership) -> Membership:
    """`membership`, re-read and proven to belong to `org`."""
    found = (
        Membership.objects.filter(organization=org, pk=membership.pk).select_related("user").first()
    )
    if found is None:
        raise NotAllowed("This person is not a member of the organization.", code="not_member")
    return found

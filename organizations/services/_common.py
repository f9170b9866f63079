"""Helpers shared by the service modules: lock the org and check the actor's right.

Every service that changes an org calls `lock_and_authorize` (or, with nothing to
lock, `authorize`) before it writes: the rights are read under the lock, so a role
changed by a concurrent request is seen.
"""

from .. import permissions, seats
from ..errors import NotAllowed, OrganizationError
from ..models import Membership, Organization
from ..selectors import access_to
from ..validators import REASON_MAX_LENGTH


def authorize(actor, action: str, *, membership: Membership | None = None) -> None:
    """Raise NotAllowed unless `actor` (holding `membership`) may take `action`."""
    if not permissions.actor_may(actor, membership, action):
        message, code = permissions.refusal(action, membership)
        raise NotAllowed(message, code=code)


def lock_and_authorize(
    org: Organization, actor, action: str, *, decided_in: Organization | None = None
) -> tuple[Organization, Membership | None]:
    """Lock `org`'s pool, then make sure `actor` (re-read now) may take `action` in it.

    The members of `decided_in` (default: `org` itself) decide, by their role there;
    it is locked first when it is not one of `org`'s own pools (a customer's reseller),
    so locks are always taken parent first. Staff act by the permission the action
    names. Returns the locked org and the actor's membership in the deciding org.
    """
    if decided_in is not None and decided_in.pk not in seats.pool_chain(org):
        decided_in = seats.lock_pool(decided_in)
    org = seats.lock_pool(org)
    deciding = org if decided_in is None or decided_in.pk == org.pk else decided_in
    if getattr(actor, "is_machine", False):
        # A program holding a token (a SCIM token): the actor itself says which org it
        # reaches and with which role, as an unsaved Membership, for its granted actions.
        membership = actor.access_in(deciding) if actor.may(action) else None
    else:
        membership = access_to(deciding, actor) if _signed_in(actor) else None
    if (
        membership is not None
        and permissions.suspension_blocks(org, action)
        and not permissions.staff_may(actor, action)
    ):
        raise NotAllowed(permissions.suspended_reason(org), code="org_suspended")
    authorize(actor, action, membership=membership)
    return org, membership


def _signed_in(actor) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_active


def org_member(org: Organization, membership: Membership) -> Membership:
    """`membership`, re-read and proven to belong to `org`."""
    found = (
        Membership.objects.filter(organization=org, pk=membership.pk).select_related("user").first()
    )
    if found is None:
        raise NotAllowed("This person is not a member of the organization.", code="not_member")
    return found


def clean_reason(reason: str, *, what: str) -> str:
    """A staff decision's reason, stripped; refused when empty or too long."""
    reason = (reason or "").strip()
    if not reason:
        raise OrganizationError(f"Give a reason for the {what}.", code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise OrganizationError(
            f"Keep the reason under {REASON_MAX_LENGTH} characters.", code="reason_too_long"
        )
    return reason

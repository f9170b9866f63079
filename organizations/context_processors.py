from django.utils.functional import SimpleLazyObject, cached_property

from . import permissions
from .recent import recent_org_names
from .security import MFA_GATE_SESSION_KEY
from .selectors import pending_request_count, switcher_memberships


class StaffArea:
    """What the top bar shows a user about the staff area; each value queried on first use."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def can_approve(self) -> bool:
        return permissions.can_approve_organizations(self.user)

    @cached_property
    def can_create_for_others(self) -> bool:
        return permissions.can_create_for_others(self.user)

    @cached_property
    def can_create_own(self) -> bool:
        return permissions.can_create_organization(self.user)

    @cached_property
    def pending_count(self) -> int:
        """One COUNT query, and only for those who may approve."""
        return pending_request_count() if self.can_approve else 0


def org_switcher(request):
    """The top bar's org switcher; queried only when a template reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"switcher_memberships": []}
    gate = request.session.get(MFA_GATE_SESSION_KEY)
    return {
        "switcher_memberships": SimpleLazyObject(
            lambda: switcher_memberships(user, recent_names=recent_org_names(request))
        ),
        "staff_area": StaffArea(user),
        # An org sent this user to set up MFA: a banner leads them back (no query).
        "mfa_gate": gate if isinstance(gate, dict) else None,
    }

"""The SCIM token as the actor of the organizations services.

The services take an `actor` and check its rights under the org's row lock. A SCIM
token is no user, so it acts as a *machine*: `organizations.services._common` asks
`access_in(org)` for its access (an unsaved Membership with its role) and `may(action)`
for the actions it was granted, and the audit log records its `label`. The shape
matches the Management API's `MachineActor` (`key`, `label`, `role`, `org_id`,
`actions`, `on_behalf_of`), so either can stand where the other is expected.
"""

from dataclasses import dataclass, field

from organizations.models import Membership, Organization
from organizations.permissions import Action

# An identity provider adds, updates and removes people (owners too, except the initial
# owner) and manages teams; nothing else (no settings, no deletion, no invitations).
SCIM_ROLE = Membership.Role.OWNER
SCIM_ACTIONS = frozenset({Action.MANAGE_MEMBERS, Action.MANAGE_TEAMS})


@dataclass(frozen=True, eq=False)
class ScimActor:
    """An org's SCIM token acting on that org alone, with `SCIM_ACTIONS`."""

    key: str
    label: str
    org_id: int
    role: str = SCIM_ROLE
    actions: frozenset[str] = field(default_factory=lambda: SCIM_ACTIONS)
    on_behalf_of: object = None  # the owner who created the token

    # Looks like no signed-in user to code that asks a user's questions.
    is_machine = True
    is_authenticated = False
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    email = ""

    @classmethod
    def of(cls, token) -> "ScimActor":
        return cls(
            key=f"scim:{token.pk}",
            label=token.label,
            org_id=token.organization_id,
            on_behalf_of=token.created_by,
        )

    @property
    def is_platform(self) -> bool:
        return False

    def may(self, action: str) -> bool:
        return action in self.actions

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def access_in(self, org: Organization) -> Membership | None:
        """Its access to `org`: its own org only, never a parent or a child."""
        if org.pk != self.org_id:
            return None
        return Membership(organization=org, role=self.role)

    def __str__(self) -> str:
        return self.label

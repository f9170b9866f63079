"""The SCIM token as the actor of the organizations services.

A SCIM token is no user: it acts as an `organizations.actors.MachineActor`, reaching
its own org with `SCIM_ROLE`, limited to `SCIM_ACTIONS`; the services check its rights
under the org's row lock as for anyone, and the audit log records its `label`.
"""

from dataclasses import dataclass

from organizations.actors import MachineActor
from organizations.models import Membership
from organizations.permissions import Action

# An identity provider adds, updates and removes people (owners too, except the initial
# owner, so that it can deprovision an owner who left) and manages teams; nothing else
# (no settings, no deletion, no invitations).
SCIM_ROLE = Membership.Role.OWNER
SCIM_ACTIONS = frozenset({Action.MANAGE_MEMBERS, Action.MANAGE_TEAMS})


@dataclass(frozen=True, eq=False)
class ScimActor(MachineActor):
    """An org's SCIM token acting on that org, with `SCIM_ACTIONS`."""

    @classmethod
    def of(cls, token) -> "ScimActor":
        return cls(
            key=f"scim:{token.pk}",
            label=token.label,
            role=SCIM_ROLE,
            org_id=token.organization_id,
            actions=SCIM_ACTIONS,
            on_behalf_of=token.created_by,  # the owner who created the token
        )

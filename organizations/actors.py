"""Actors that are not people: machine clients acting through an API.

The services take an `actor`; usually it is a signed-in user. A `MachineActor` is the
other kind: a program holding a token. `organizations` knows nothing of tokens or
scopes; whoever builds the actor (the `api` app) says what it reaches and which of the
`permissions` actions it may take. `permissions` and `selectors.access_to` read it, so
the portal and the API refuse the same things for the same reasons.

Two reaches:

- **platform** (`org_id` None): every organization, and the platform actions (creating
  organizations that nobody owns yet) that its `actions` name;
- **organization** (`org_id` set): that org and its descendants, never its parents.

In the orgs it reaches a machine acts with `role` (a platform client as an owner, an
org client as an admin), limited to `actions`. The audit log records its `label`.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)
class MachineActor:
    """A program acting on orgs with a role, limited to some actions; never a user."""

    key: str  # a stable identifier, e.g. the client id
    label: str  # what the audit log shows as the actor
    role: str
    org_id: int | None = None  # None: every org (a platform client)
    actions: frozenset[str] = field(default_factory=frozenset)
    # The person answerable for the machine (who registered it): stored where a row
    # needs a user, such as an org's `created_by`. Never a member by this alone.
    on_behalf_of: object = None

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

    @property
    def is_platform(self) -> bool:
        return self.org_id is None

    def may(self, action: str) -> bool:
        return action in self.actions

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.label


def is_machine(actor) -> bool:
    """Whether `actor` is a machine (an API client) rather than a user."""
    return bool(getattr(actor, "is_machine", False))


def acting_user(actor):
    """The user to store where a row needs one: the actor, or the machine's answerable person."""
    return actor.on_behalf_of if is_machine(actor) else actor


def actor_label(actor) -> str:
    """How the audit log names `actor`: an email for users, the machine's label otherwise."""
    if is_machine(actor):
        return actor.label
    return getattr(actor, "email", "") or ""

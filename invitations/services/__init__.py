"""Business rules of invitations: one function per use case.

Views, admin actions, tasks and commands call these; they never repeat a rule.
Anything that takes or converts a seat locks the org's row first (through
`organizations.seats`), then the invitation's row, then checks, writes and audits.
"""

from ..errors import InvitationError
from ._common import (
    EMAIL_MAX_LENGTH,
    MAX_ADDRESSES_PER_REQUEST,
    accept_url,
    normalize_email,
    parse_addresses,
)
from .responses import accept_invitation, decline_invitation
from .sending import (
    InviteResult,
    expire_invitations,
    invite_member,
    invite_members,
    invite_owner,
    resend_invitation,
    revoke_for_removed_member,
    revoke_invitation,
    revoke_pending_invitations_for,
)

__all__ = [
    "EMAIL_MAX_LENGTH",
    "MAX_ADDRESSES_PER_REQUEST",
    "InvitationError",
    "InviteResult",
    "accept_invitation",
    "accept_url",
    "decline_invitation",
    "expire_invitations",
    "invite_member",
    "invite_members",
    "invite_owner",
    "normalize_email",
    "parse_addresses",
    "resend_invitation",
    "revoke_for_removed_member",
    "revoke_invitation",
    "revoke_pending_invitations_for",
]

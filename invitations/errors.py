"""Domain errors of invitations; their messages are fit to show a user."""

from organizations.errors import OrganizationError

INVALID_LINK_MESSAGE = (
    "This invitation link is no longer valid — ask the organization for a new one."
)


class InvitationError(OrganizationError):
    code = "invitation_error"


class InvitationInvalid(InvitationError):
    """Unknown, used, declined, revoked or expired: one answer for all of them."""

    code = "invitation_invalid"

    def __init__(self, message: str = INVALID_LINK_MESSAGE, **kwargs):
        super().__init__(message, **kwargs)


class InvalidAddress(InvitationError):
    code = "invalid_address"


class AlreadyMember(InvitationError):
    code = "already_member"


class AlreadyInvited(InvitationError):
    code = "already_invited"

    def __init__(self, message: str, *, invitation=None, **kwargs):
        super().__init__(message, **kwargs)
        self.invitation = invitation


class OrgCannotInvite(InvitationError):
    code = "org_not_active"


class WrongAccount(InvitationError):
    code = "wrong_account"


class ResendTooSoon(InvitationError):
    code = "resend_too_soon"


class ResendLimitReached(InvitationError):
    code = "resend_limit_reached"

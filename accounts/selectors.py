"""Read-side helpers of the account pages."""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.usersessions.models import UserSession


def security_overview(user) -> dict:
    """The account's second factors and sessions, in three small queries."""
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=user)}
    recovery = authenticators.get(Authenticator.Type.RECOVERY_CODES)
    totp = authenticators.get(Authenticator.Type.TOTP)
    return {
        "has_password": user.has_usable_password(),
        "totp": totp,
        "recovery_codes_left": (
            len(RecoveryCodes(recovery).get_unused_codes()) if recovery is not None else None
        ),
        "sessions": list(UserSession.objects.filter(user=user).order_by("-last_seen_at")[:5]),
        "session_count": UserSession.objects.filter(user=user).count(),
    }

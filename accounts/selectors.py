"""Read-side helpers of the account pages."""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings

from .models import SignInEvent


def security_overview(user) -> dict:
    """The account's second factors and security keys, in one small query (the sessions
    and sign-in history cards load their own: accounts/templatetags/account_security.py)."""
    authenticators = list(Authenticator.objects.filter(user=user).order_by("created_at"))
    by_type = {a.type: a for a in authenticators}
    recovery = by_type.get(Authenticator.Type.RECOVERY_CODES)
    keys = [
        {
            "name": key.wrap().name,
            "is_passkey": key.wrap().is_passwordless is True,
            "created_at": key.created_at,
            "last_used_at": key.last_used_at,
        }
        for key in authenticators
        if key.type == Authenticator.Type.WEBAUTHN
    ]
    totp = by_type.get(Authenticator.Type.TOTP)
    return {
        "has_password": user.has_usable_password(),
        "totp": totp,
        "keys": keys,
        "mfa_enabled": bool(totp or keys),
        "recovery_codes_left": (
            len(RecoveryCodes(recovery).get_unused_codes()) if recovery is not None else None
        ),
    }


def sign_in_history(user):
    """The user's sign-in history, newest first (paginate it)."""
    return SignInEvent.objects.filter(user=user).order_by("-created_at", "-id")


def sign_in_history_retention_days() -> int:
    return settings.LOGIN_HISTORY_RETENTION_DAYS

"""Writes on the signed-in user's own account."""

from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from django.db import transaction

# A second factor of its own; recovery codes only stand in for one.
PRIMARY_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


@transaction.atomic
def turn_off_two_factor(*, user, request=None) -> int:
    """Remove every second factor of `user`: the authenticator app, security keys and
    passkeys, recovery codes. Returns how many were removed.

    The caller has checked the password and a code (accounts.forms.PasswordAndCodeForm).
    """
    authenticators = list(Authenticator.objects.select_for_update().filter(user=user))
    Authenticator.objects.filter(pk__in=[a.pk for a in authenticators]).delete()

    def announce():
        for authenticator in authenticators:
            signals.authenticator_removed.send(
                sender=Authenticator, request=request, user=user, authenticator=authenticator
            )

    transaction.on_commit(announce)
    return len(authenticators)


def is_last_primary_factor(authenticator: Authenticator) -> bool:
    """Whether removing `authenticator` leaves its user without two-factor authentication."""
    return (
        authenticator.type in PRIMARY_FACTORS
        and not Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=PRIMARY_FACTORS
        )
        .exclude(pk=authenticator.pk)
        .exists()
    )

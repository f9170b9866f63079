"""Two-factor authentication: allauth.mfa, with its secrets encrypted at rest."""

import base64
import hashlib
import secrets

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

ENCRYPTED_PREFIX = "fernet:"


def _fernet() -> Fernet:
    """A key derived from SECRET_KEY, kept apart from its other uses by a label."""
    digest = hashlib.sha256(b"orgportal.mfa-secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class EncryptingMFAAdapter(DefaultMFAAdapter):
    """TOTP keys and recovery-code seeds are stored encrypted, never in the clear.

    Changing SECRET_KEY makes stored authenticators unreadable: their owners then sign
    in with a recovery code, or an admin removes the authenticator.
    """

    def encrypt(self, text: str) -> str:
        return ENCRYPTED_PREFIX + _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(ENCRYPTED_PREFIX):
            return encrypted_text
        try:
            return _fernet().decrypt(encrypted_text[len(ENCRYPTED_PREFIX) :].encode()).decode()
        except InvalidToken:
            # Unreadable (SECRET_KEY changed): a random secret that no code matches,
            # never an empty one whose codes anybody could compute.
            return base64.b32encode(secrets.token_bytes(20)).decode()

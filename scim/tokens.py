"""SCIM bearer tokens: random, shown once, stored only as a SHA-256 hash."""

import hashlib
import secrets

TOKEN_PREFIX = "scim_"
TOKEN_BYTES = 32
# What the Provisioning tab shows of a token so an owner can tell them apart.
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
TOKEN_MAX_LENGTH = 128


def generate_token() -> tuple[str, str]:
    """A new (token, hash) pair: the token is shown once, the hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(token) and len(token) <= TOKEN_MAX_LENGTH and token.isascii()

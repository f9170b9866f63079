"""Invitation tokens: random, shown once in the email, stored only as a SHA-256 hash."""

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters; anything far longer is not ours.
TOKEN_MAX_LENGTH = 128


def generate_token() -> tuple[str, str]:
    """A new (token, hash) pair; the token goes into the link, the hash into the database."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(token) and len(token) <= TOKEN_MAX_LENGTH and token.isascii()


def token_matches(token: str, token_hash: str) -> bool:
    """Whether `token` hashes to `token_hash`, compared in constant time."""
    return hmac.compare_digest(hash_token(token), token_hash)

"""Extension points other apps fill in, so `organizations` never imports them.

The invitations app registers `invite_owner` when it is installed; without it, a
child organization's admin email must belong to an existing account.
"""

from collections.abc import Callable

_owner_inviter: Callable | None = None


def register_owner_inviter(func: Callable) -> None:
    """`func(*, org, inviter, email, ip_address)` invites `email` as an owner of `org`."""
    global _owner_inviter
    _owner_inviter = func


def owner_inviter() -> Callable | None:
    return _owner_inviter

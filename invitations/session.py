"""The invitation token lives in the session once the link is opened, never in a URL.

Like Django's password reset, the link's view moves the token here and redirects, so
no later URL or Referer header carries it.
"""

from django.http import HttpRequest

from organizations.models import Organization

from .models import Invitation
from .selectors import usable_invitation_for_token

TOKEN_KEY = "invitations.token"
JOINED_KEY = "invitations.joined_org"


def store_token(request: HttpRequest, token: str) -> None:
    request.session[TOKEN_KEY] = token


def current_token(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return session.get(TOKEN_KEY) if session is not None else None


def forget_token(request: HttpRequest) -> None:
    request.session.pop(TOKEN_KEY, None)


def current_invitation(request: HttpRequest) -> Invitation | None:
    """The usable invitation whose token is in the session, or None."""
    return usable_invitation_for_token(current_token(request))


def mark_joined(request: HttpRequest, org: Organization) -> None:
    """Remember, for the redirect after sign-up, that the new user joined `org`."""
    forget_token(request)
    request.session[JOINED_KEY] = org.name


def pop_joined(request: HttpRequest) -> str | None:
    return request.session.pop(JOINED_KEY, None)

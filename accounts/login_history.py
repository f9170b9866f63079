"""Sign-in history: every sign-in and failed attempt on an account, kept 90 days.

Written from signals, so every way in is covered: Django's `user_logged_in` (allauth's
forms, passkeys, email links and Django admin's form all end in `login()`),
`user_login_failed` (a wrong password, on sign-in or re-authentication) and
allauth.mfa's `authentication_failed` (a wrong code after a right password).

A failed attempt for an address that has no account writes nothing: a row needs an
account to belong to, and rows tied to nobody would be a list of addresses people
tried. The lookup runs either way; the one INSERT for a known address is small next
to the two password hashes both paths run, and the per-address rate limit allows five
samples in five minutes.
"""

from datetime import timedelta

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.utils import filter_users_by_email
from django.conf import settings
from django.utils import timezone

from .models import SignInEvent
from .sessions import client_ip

PRUNE_BATCH_SIZE = 5000
_URL_METHODS = {
    "account_confirm_email": SignInEvent.Method.EMAIL_LINK,
    "account_signup": SignInEvent.Method.SIGNUP,
    "account_reset_password_from_key": SignInEvent.Method.PASSWORD_RESET,
    "login": SignInEvent.Method.PASSWORD,  # Django admin's sign-in form
}


def _user_agent(request) -> str:
    if request is None:
        return ""
    max_length = SignInEvent._meta.get_field("user_agent").max_length
    return request.META.get("HTTP_USER_AGENT", "")[:max_length]


def _methods(request, user) -> tuple[str, str]:
    """(method, second factor) of the sign-in in progress, from allauth's records of the
    steps this session has completed, else from the page that signed the user in."""
    records = get_authentication_records(request, user) if hasattr(request, "session") else []
    steps = [record.get("method") for record in records]
    mfa = next((r for r in reversed(records) if r.get("method") == "mfa"), None)
    if mfa and mfa.get("passwordless"):
        return SignInEvent.Method.PASSKEY, SignInEvent.SecondFactor.NONE
    second = (mfa or {}).get("type", "")
    if second not in SignInEvent.SecondFactor.values:
        second = SignInEvent.SecondFactor.NONE
    for step, method in (
        ("password", SignInEvent.Method.PASSWORD),
        ("code", SignInEvent.Method.CODE),
        ("password_reset", SignInEvent.Method.PASSWORD_RESET),
    ):
        if step in steps:
            return method, second
    match = getattr(request, "resolver_match", None)
    return _URL_METHODS.get(getattr(match, "url_name", None), SignInEvent.Method.OTHER), second


def record(request, user, *, succeeded: bool, method: str, second_factor: str = "") -> SignInEvent:
    return SignInEvent.objects.create(
        user=user,
        succeeded=succeeded,
        method=method,
        second_factor=second_factor,
        ip=client_ip(request),
        user_agent=_user_agent(request),
    )


def record_success(request, user) -> SignInEvent | None:
    """A completed sign-in, with the way it was made."""
    if client_ip(request) is None:
        return None  # a request made up in code (Client.force_login), not a sign-in
    method, second = _methods(request, user)
    return record(request, user, succeeded=True, method=method, second_factor=second)


def record_password_failure(request, credentials: dict) -> SignInEvent | None:
    """A wrong password: a row for the account the address belongs to, none if no account."""
    address = credentials.get("email") or credentials.get("username") or ""
    if not isinstance(address, str) or "@" not in address:
        return None
    users = filter_users_by_email(address.strip(), prefer_verified=True)
    if len(users) != 1:
        return None
    return record(request, users[0], succeeded=False, method=SignInEvent.Method.PASSWORD)


def record_second_factor_failure(request, user, authenticator) -> SignInEvent:
    """A wrong code (or key) after the right password."""
    method, _ = _methods(request, user)
    second = authenticator.type if authenticator.type in SignInEvent.SecondFactor.values else ""
    return record(request, user, succeeded=False, method=method, second_factor=second)


def prune(*, now=None) -> int:
    """Delete history older than LOGIN_HISTORY_RETENTION_DAYS, in batches; how many rows."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.LOGIN_HISTORY_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(
            SignInEvent.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :PRUNE_BATCH_SIZE
            ]
        )
        if not batch:
            return deleted
        deleted += SignInEvent.objects.filter(pk__in=batch).delete()[0]

"""Signed-in sessions (allauth.usersessions): record, list, end, and "last seen".

allauth's own activity tracking (USERSESSIONS_TRACK_ACTIVITY) writes the session row
on every request. Instead, `touch` writes it at most once every
ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS per session, and remembers when in the
session itself, which every signed-in request loads anyway: a page costs no query
for this, and an active session one UPDATE of its row (plus the session's own save)
per interval.
"""

import logging
import time

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.usersessions.adapter import get_adapter as get_sessions_adapter
from allauth.usersessions.internal.flows import sessions as session_flows
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.utils import timezone

logger = logging.getLogger(__name__)

# Unix time of the last write of this session's "last seen", kept in the session.
LAST_SEEN_SESSION_KEY = "orgportal_last_seen"


def client_ip(request) -> str | None:
    """The client's address as allauth's rate limits see it (ALLAUTH_TRUSTED_PROXY_COUNT
    follows DJANGO_BEHIND_PROXY), or None when the request has none."""
    if request is None:
        return None
    try:
        return get_account_adapter().get_client_ip(request)
    except PermissionDenied:
        return None


def _interval() -> int:
    return settings.ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS


def record_sign_in(request) -> None:
    """Make sure the new session has its row (also for Django admin's own sign-in form)
    and start its "last seen" clock, so its first pages write nothing."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[LAST_SEEN_SESSION_KEY] = int(time.time())
    if client_ip(request) is None:
        return  # a request made up in code (Client.force_login): nothing to show
    UserSession.objects.create_from_request(request)


def touch(request) -> None:
    """Move the session's "last seen" forward, at most once per interval."""
    interval = _interval()
    session = getattr(request, "session", None)
    if interval <= 0 or session is None or not session.session_key:
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    now = time.time()
    mark = session.get(LAST_SEEN_SESSION_KEY)
    if isinstance(mark, int | float) and 0 <= now - mark < interval:
        return
    changes = {"last_seen_at": timezone.now()}
    ip = client_ip(request)
    if ip:
        changes["ip"] = ip
    rows = UserSession.objects.filter(session_key=session.session_key, user_id=user.pk)
    if not rows.update(**changes) and ip:
        # A session from before sessions were recorded: record it now.
        UserSession.objects.create_from_request(request)
    session[LAST_SEEN_SESSION_KEY] = int(now)


def live_sessions(user) -> list[UserSession]:
    """The user's sessions that still sign someone in, most recently seen first.

    Rows whose session expired or was deleted are removed on the way, in one query
    for all of them (allauth's purge asks the session store once per row).
    """
    rows = list(UserSession.objects.filter(user_id=user.pk))
    live_keys = set(
        Session.objects.filter(
            session_key__in=[row.session_key for row in rows], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    dead = [row.pk for row in rows if row.session_key not in live_keys]
    if dead:
        UserSession.objects.filter(pk__in=dead).delete()
    live = [row for row in rows if row.session_key in live_keys]
    return sorted(live, key=lambda row: (row.last_seen_at, row.created_at), reverse=True)


def end_session(request, session: UserSession) -> bool:
    """End one of the user's sessions; True when it was the current one (now signed out)."""
    current = session.is_current()
    session_flows.end_sessions(request, [session])
    return current


def end_other_sessions(request, user) -> int:
    """End every session of `user` but the one making the request; how many were ended."""
    others = [s for s in UserSession.objects.filter(user_id=user.pk) if not s.is_current()]
    get_sessions_adapter().end_sessions(others)
    return len(others)


def end_all_sessions(user) -> int:
    """End every session of `user` (after a password reset, say)."""
    sessions = list(UserSession.objects.filter(user_id=user.pk))
    get_sessions_adapter().end_sessions(sessions)
    return len(sessions)


def on_password_changed(sender, request, user, **kwargs) -> None:
    """A new password signs out every other session at once; this one stays signed in
    (ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE is off, so allauth kept it)."""
    ended = end_other_sessions(request, user)
    logger.info("password changed for user %s: %s other session(s) ended", user.pk, ended)


def on_password_reset(sender, request, user, **kwargs) -> None:
    """A reset password (the emailed link) signs out every session of the account."""
    ended = end_all_sessions(user)
    logger.info("password reset for user %s: %s session(s) ended", user.pk, ended)


def clear_expired() -> int:
    """Django's `clearsessions`, then the session rows whose session is gone; how many
    of those. Sessions are in the database (SESSION_ENGINE), which this relies on."""
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    orphans = UserSession.objects.exclude(session_key__in=Session.objects.values("session_key"))
    return orphans.delete()[0]

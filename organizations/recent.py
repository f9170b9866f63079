"""The orgs a user opened lately, for the top-bar switcher.

Kept in a signed cookie rather than the session, so that opening an org costs no
database write; the cookie names the user it belongs to, and the switcher only ever
shows orgs the user is a member of, whatever the cookie says.
"""

from django.core import signing

RECENT_COOKIE = "recent_orgs"
RECENT_SALT = "organizations.recent"
RECENT_SIZE = 5
RECENT_MAX_AGE = 60 * 60 * 24 * 90


def recent_org_names(request) -> list[str]:
    """The names of the orgs the signed-in user opened lately, most recent first."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    try:
        value = request.get_signed_cookie(
            RECENT_COOKIE, default=None, salt=RECENT_SALT, max_age=RECENT_MAX_AGE
        )
    except (signing.BadSignature, ValueError):
        return []
    if not isinstance(value, str):
        return []
    owner, _, names = value.partition(":")
    if owner != str(user.pk):
        return []
    return [name for name in names.split(",") if name][:RECENT_SIZE]


def remember_org(request, response, org_name: str) -> None:
    """Put `org_name` first among the recently opened orgs; no cookie is set when it
    already is first."""
    recent = recent_org_names(request)
    if recent[:1] == [org_name]:
        return
    names = [org_name, *(name for name in recent if name != org_name)][:RECENT_SIZE]
    response.set_signed_cookie(
        RECENT_COOKIE,
        f"{request.user.pk}:{','.join(names)}",
        salt=RECENT_SALT,
        max_age=RECENT_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )

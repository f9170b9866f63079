"""The Security page's sessions and sign-in history cards, as inclusion tags: each
brings its own data, so the page's view stays as it is."""

from django import template
from django.core.paginator import Paginator

from .. import selectors, sessions
from ..useragents import describe_user_agent

register = template.Library()

SESSIONS_ON_SECURITY_PAGE = 5
SIGN_INS_PER_PAGE = 20
SIGN_IN_PAGE_PARAMETER = "sign_ins"


@register.filter
def device(user_agent: str) -> str:
    """A user agent as "Firefox on Windows"."""
    return describe_user_agent(user_agent or "")


@register.inclusion_tag("accounts/includes/security_sessions.html", takes_context=True)
def sessions_card(context):
    live = sessions.live_sessions(context["request"].user)
    return {
        "sessions": live[:SESSIONS_ON_SECURITY_PAGE],
        "session_count": len(live),
        "more": max(0, len(live) - SESSIONS_ON_SECURITY_PAGE),
    }


@register.inclusion_tag("accounts/includes/security_sign_ins.html", takes_context=True)
def sign_in_history_card(context):
    request = context["request"]
    paginator = Paginator(selectors.sign_in_history(request.user), SIGN_INS_PER_PAGE)
    page = paginator.get_page(request.GET.get(SIGN_IN_PAGE_PARAMETER))
    return {
        "request": request,
        "events": page.object_list,
        "page_obj": page,
        "page_parameter": SIGN_IN_PAGE_PARAMETER,
        "retention_days": selectors.sign_in_history_retention_days(),
    }

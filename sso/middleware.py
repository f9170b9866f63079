"""An identity provider that does not answer gets a page that says so, never a 500."""

import logging

import requests
from django.shortcuts import render
from django.urls import reverse

from . import selectors

logger = logging.getLogger(__name__)

PREFIXES = ("/accounts/oidc/", "/accounts/saml/")
# requests (OIDC discovery, tokens, keys); urllib's errors are OSErrors (SAML metadata).
UNREACHABLE = (requests.RequestException, OSError)


def provider_down(request, exc: Exception):
    logger.warning("identity provider unreachable: %s", exc.__class__.__name__)
    return render(request, "sso/provider_down.html", status=502)


class ProviderDownMiddleware:
    """Turn a failed call to an org's provider (discovery, token, keys) into a 502 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith(PREFIXES) and isinstance(exception, UNREACHABLE):
            return provider_down(request, exception)
        return None


class SignInFormActionMiddleware:
    """Let the sign-in pages' forms hand over to the identity providers.

    The Content-Security-Policy allows forms to post only to the portal (`form-action
    'self'`), and browsers apply that to the redirects after the post too: the login
    page's home-realm discovery, an org's login page and a provider's sign-in button all
    redirect to an identity provider. Those pages (and only those) add the origins of
    the enabled connections (one query each table); any of them may be the one an
    address is routed to.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if request.method not in ("GET", "POST") or match is None:
            return response
        if not (
            match.view_name == "sso:org_login"
            or request.path == reverse("account_login")
            or request.path.startswith(PREFIXES)
        ):
            return response
        origins = selectors.identity_provider_origins()
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update
        return response

"""An identity provider that does not answer gets a page that says so, never a 500."""

import logging

import requests
from django.shortcuts import render

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

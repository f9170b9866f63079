"""Home-realm discovery: where a sign-in with this address (and this password) goes.

An address in a domain an org verified, when that org has an enabled connection:
- with the password left empty, it goes to the org's identity provider;
- with a password, it signs in with the password as before, unless the org is
  "SSO only": then it goes to the identity provider too, except for the org's
  owners, who keep the password as a break-glass sign-in.
Every other address signs in with its password as before.
"""

from django.http import HttpResponse

from .models import OidcConnection, SamlConnection
from .selectors import connection_for_email, is_owner, is_sso_only


def route(*, email: str, password: str) -> OidcConnection | SamlConnection | None:
    """The connection this sign-in must go through, or None for the password sign-in."""
    connection = connection_for_email(email)
    if connection is None:
        return None
    if not password:
        return connection
    org = connection.organization
    if is_sso_only(org) and not is_owner(org, email):
        return connection
    return None


def start(
    request,
    connection: OidcConnection | SamlConnection,
    *,
    next_url: str | None = None,
    login_hint="",
):
    """Send the browser to the connection's identity provider (allauth's OIDC flow)."""
    from allauth.socialaccount.adapter import get_adapter

    provider = get_adapter(request).get_provider(request, provider=connection.provider_id)
    if not hasattr(provider, "get_auth_params"):  # SAML: no authorization parameters
        return provider.redirect(request, "login", next_url=next_url or None)
    auth_params = dict(provider.get_auth_params())
    if login_hint:
        auth_params["login_hint"] = login_hint
    response: HttpResponse = provider.redirect(
        request, "login", next_url=next_url or None, auth_params=auth_params
    )
    return response

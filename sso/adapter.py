"""allauth's social-account adapter, serving each org's connections as OIDC apps."""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.shortcuts import render

from organizations import seats
from organizations.models import Membership

from . import crypto, selectors
from .models import PROVIDER_ID_PREFIX, OidcConnection

SESSION_KEY = "sso_connection"
NO_SEAT_SESSION_KEY = "sso_no_seat"


def social_app(connection: OidcConnection) -> SocialApp:
    """An unsaved SocialApp for `connection`: the secret is decrypted only in memory.

    allauth looks `openid_connect` apps up by `provider_id`; ours are `sso-<key>`.
    They are hidden (never listed on the generic sign-in page); addresses in the org's
    verified domains are taken as verified, and sign an existing account with that
    address in: the org proved it owns the domain, so its identity provider speaks
    for it. Any other address must be verified by email as usual.
    """
    domains = [d.domain for d in getattr(connection.organization, "verified_sso_domains", [])]
    return SocialApp(
        provider="openid_connect",
        provider_id=connection.provider_id,
        name=connection.name,
        client_id=connection.client_id,
        secret=crypto.decrypt(connection.secret_encrypted),
        settings={
            "server_url": connection.issuer_url,
            "hidden": True,
            "verified_email": domains,
            "email_authentication": True,
        },
    )


class SsoSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        if provider and str(provider).startswith(PROVIDER_ID_PREFIX):
            connection = selectors.connection_by_provider_id(provider)
            if connection is not None and client_id in (None, connection.client_id):
                apps.append(social_app(connection))
        return apps

    def can_authenticate_by_email(self, login, email: str) -> bool:
        """Only addresses the connection's org verified sign existing accounts in."""
        app = login.provider.app
        if app is None or not str(app.provider_id).startswith(PROVIDER_ID_PREFIX):
            return super().can_authenticate_by_email(login, email)
        domain = email.rsplit("@", 1)[-1].lower()
        return domain in [d.lower() for d in app.settings.get("verified_email", [])]

    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse early, with a page that says why, when the org has no seat for a newcomer."""
        connection = selectors.connection_by_provider_id(sociallogin.account.provider)
        if connection is None:
            request.session.pop(SESSION_KEY, None)
            return
        request.session[SESSION_KEY] = connection.pk
        # An org's provider speaks only for the domains the org verified: whatever it
        # says of other addresses, they are confirmed by email like at sign-up.
        domains = {d.domain for d in getattr(connection.organization, "verified_sso_domains", [])}
        for address in sociallogin.email_addresses:
            if address.email.rsplit("@", 1)[-1].lower() not in domains:
                address.verified = False
        if not connection.assign_membership_on_login:
            return
        org = connection.organization
        user = sociallogin.user if sociallogin.is_existing else None
        if user is not None and Membership.objects.filter(organization=org, user=user).exists():
            return
        if seats.usage(org, seats.USERS).available < 1:
            request.session.pop(SESSION_KEY, None)
            raise ImmediateHttpResponse(
                render(request, "sso/no_seat.html", {"sso_org": org}, status=403)
            )

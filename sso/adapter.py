"""allauth's social-account adapter, serving each org's connections as allauth apps."""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.shortcuts import render

from organizations import seats
from organizations.models import Membership

from . import crypto, selectors
from .models import PROVIDER_ID_PREFIX, SAML_PROVIDER_ID_PREFIX, SamlConnection

SESSION_KEY = "sso_connection"
NO_SEAT_SESSION_KEY = "sso_no_seat"
OUR_PREFIXES = (PROVIDER_ID_PREFIX, SAML_PROVIDER_ID_PREFIX)


def _domains(connection) -> list[str]:
    return [d.domain for d in getattr(connection.organization, "verified_sso_domains", [])]


def social_app(connection) -> SocialApp:
    """An unsaved SocialApp for `connection`; an OIDC secret is decrypted only in memory.

    allauth looks `openid_connect` apps up by `provider_id` (ours: `sso-<key>`) and
    `saml` apps by `client_id`, the organization slug of the SAML URLs (ours:
    `saml-<key>`, also the `provider_id`). They are hidden (never listed on the generic
    sign-in page); addresses in the org's verified domains are taken as verified, and
    sign an existing account with that address in: the org proved it owns the domain,
    so its identity provider speaks for it. Any other address must be verified by
    email as usual.
    """
    common = {"hidden": True, "verified_email": _domains(connection), "email_authentication": True}
    if isinstance(connection, SamlConnection):
        idp = {"entity_id": connection.idp_entity_id}
        if connection.idp_metadata_url:
            idp["metadata_url"] = connection.idp_metadata_url
        else:
            idp.update(sso_url=connection.idp_sso_url, x509cert=connection.idp_x509cert)
        return SocialApp(
            provider="saml",
            provider_id=connection.provider_id,
            name=connection.name,
            client_id=connection.provider_id,
            settings={
                **common,
                "idp": idp,
                "advanced": {
                    "want_assertion_signed": True,
                    "want_attribute_statement": False,
                    # The portal may run on a single-label host (localhost) in development.
                    "allow_single_label_domains": True,
                    "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                },
            },
        )
    return SocialApp(
        provider="openid_connect",
        provider_id=connection.provider_id,
        name=connection.name,
        client_id=connection.client_id,
        secret=crypto.decrypt(connection.secret_encrypted),
        settings={**common, "server_url": connection.issuer_url},
    )


def _ours(value) -> bool:
    return str(value or "").startswith(OUR_PREFIXES)


class SsoSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        wanted = provider if _ours(provider) else None
        if provider == "saml" and _ours(client_id):
            wanted = client_id
        if wanted:
            connection = selectors.connection_by_provider_id(wanted)
            if connection is not None:
                app = social_app(connection)
                if client_id in (None, app.client_id):
                    apps.append(app)
        return apps

    def can_authenticate_by_email(self, login, email: str) -> bool:
        """Only addresses the connection's org verified sign existing accounts in."""
        app = login.provider.app
        if app is None or not _ours(app.provider_id):
            return super().can_authenticate_by_email(login, email)
        domain = email.rsplit("@", 1)[-1].lower()
        return domain in [d.lower() for d in app.settings.get("verified_email", [])]

    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse early, with a page that says why, when the org has no seat for a newcomer."""
        connection = selectors.connection_by_provider_id(sociallogin.account.provider)
        if connection is None:
            request.session.pop(SESSION_KEY, None)
            return
        request.session[SESSION_KEY] = connection.provider_id
        # An org's provider speaks only for the domains the org verified: whatever it
        # says of other addresses, they are confirmed by email like at sign-up.
        domains = set(_domains(connection))
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

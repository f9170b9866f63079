"""After a sign-in through an org's connection: membership on login."""

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.shortcuts import resolve_url
from django.urls import reverse

from organizations.errors import OrganizationError
from organizations.mixins import client_ip

from . import selectors, services
from .adapter import NO_SEAT_SESSION_KEY, SESSION_KEY


@receiver(user_logged_in, dispatch_uid="sso.join_on_login")
def join_on_login(sender, request, user, response=None, sociallogin=None, **kwargs) -> None:
    provider_id = request.session.pop(SESSION_KEY, None)
    if sociallogin is None or provider_id is None:
        return
    if provider_id != sociallogin.account.provider:
        return
    connection = selectors.connection_by_provider_id(provider_id, enabled_only=False)
    if connection is None:
        return
    if not connection.assign_membership_on_login:
        return
    org = connection.organization
    try:
        joined = services.join_on_sso_login(
            connection=connection, user=user, ip_address=client_ip(request)
        )
    except OrganizationError as exc:
        # The last seat went between the check before sign-in and now.
        messages.error(request, exc.message)
        request.session[NO_SEAT_SESSION_KEY] = org.display_name
        if response is not None and response.has_header("Location"):
            response["Location"] = reverse("sso:no_seat")
        return
    if joined is not None:
        messages.success(request, f"You joined {org.display_name}.")
    # Signed in through the org's own provider with nowhere else asked for: its dashboard.
    if response is not None and response.get("Location") == resolve_url(
        settings.LOGIN_REDIRECT_URL
    ):
        response["Location"] = reverse("organizations:dashboard", kwargs={"org_name": org.name})

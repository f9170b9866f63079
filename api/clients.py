"""Creating, rotating and revoking the Management API's machine clients.

An organization's owners and admins manage its clients (the right
`MANAGE_API_CLIENTS`, checked under the org's lock like every service); platform
clients are made by staff holding `api.add_apiclient` (Django admin, the demo). The
secret is returned once: only its hash is stored (allauth's `Client.set_secret`).
"""

import secrets

from allauth.idp.oidc.models import Client, Token
from django.db import transaction
from django.utils import timezone

from organizations import permissions
from organizations.audit import record_event
from organizations.errors import NotAllowed, OrganizationError
from organizations.models import Organization
from organizations.services._common import lock_and_authorize

from .models import ApiClient
from .scopes import clean_scopes

NAME_MAX_LENGTH = 100
PLATFORM_PERMISSION = "api.add_apiclient"


def generate_secret() -> str:
    """256 random bits, URL-safe: pasted into shells and headers without quoting."""
    return secrets.token_urlsafe(32)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise OrganizationError("Give the client a name.", code="name_required")
    if len(name) > NAME_MAX_LENGTH:
        raise OrganizationError(
            f"Keep the name under {NAME_MAX_LENGTH} characters.", code="name_too_long"
        )
    return name


def _new_client(
    *, name: str, scopes: list[str], secret: str | None, client_id: str | None = None
) -> tuple[Client, str]:
    scopes = clean_scopes(scopes)
    if not scopes:
        raise OrganizationError("Grant at least one scope.", code="scopes_required")
    secret = secret or generate_secret()
    client = Client(
        **({"id": client_id} if client_id else {}),
        name=name,
        type=Client.Type.CONFIDENTIAL,
        response_types="",
        skip_consent=True,
    )
    client.set_grant_types([Client.GrantType.CLIENT_CREDENTIALS])
    client.set_scopes(scopes)
    # A token request without `scope` gets every scope granted, as Auth0 does.
    client.set_default_scopes(scopes)
    client.set_secret(secret)
    client.save()
    return client, secret


@transaction.atomic
def create_org_client(
    *,
    org: Organization,
    actor,
    name: str,
    scopes: list[str],
    ip_address: str | None = None,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[ApiClient, str]:
    """An owner or admin makes a client acting on `org` and its children; returns the secret.

    `client_id` and `secret` are for the demo data, whose printed values must be known;
    otherwise both are random.
    """
    org, _ = lock_and_authorize(org, actor, permissions.Action.MANAGE_API_CLIENTS)
    client, secret = _new_client(
        name=_clean_name(name), scopes=scopes, secret=secret, client_id=client_id
    )
    api_client = ApiClient.objects.create(
        client=client, kind=ApiClient.Kind.ORGANIZATION, organization=org, created_by=actor
    )
    record_event(
        org=org,
        actor=actor,
        action="api_client.create",
        target=client.id,
        detail={"name": client.name, "scopes": client.get_scopes()},
        ip_address=ip_address,
    )
    return api_client, secret


@transaction.atomic
def create_platform_client(
    *,
    actor,
    name: str,
    scopes: list[str],
    secret: str | None = None,
    client_id: str | None = None,
) -> tuple[ApiClient, str]:
    """Staff make a client acting on every org; returns the secret (given, or a new one)."""
    if not (
        actor is not None
        and actor.is_authenticated
        and actor.is_active
        and actor.is_staff
        and actor.has_perm(PLATFORM_PERMISSION)
    ):
        raise NotAllowed("Only platform staff create platform API clients.", code="not_staff")
    client, secret = _new_client(
        name=_clean_name(name), scopes=scopes, secret=secret, client_id=client_id
    )
    api_client = ApiClient.objects.create(
        client=client, kind=ApiClient.Kind.PLATFORM, created_by=actor
    )
    return api_client, secret


def _authorize_change(api_client: ApiClient, actor) -> ApiClient:
    """Lock the client's org (or check staff for a platform client) and re-read the client."""
    if api_client.is_platform:
        if not (
            actor is not None
            and actor.is_authenticated
            and actor.is_active
            and actor.is_staff
            and actor.has_perm("api.change_apiclient")
        ):
            raise NotAllowed("Only platform staff change platform API clients.", code="not_staff")
    else:
        lock_and_authorize(api_client.organization, actor, permissions.Action.MANAGE_API_CLIENTS)
    api_client = (
        ApiClient.objects.select_for_update(of=("self",))
        .select_related("client", "organization")
        .get(pk=api_client.pk)
    )
    if api_client.is_revoked:
        raise OrganizationError("This client was revoked.", code="client_revoked")
    return api_client


@transaction.atomic
def rotate_client_secret(
    *, api_client: ApiClient, actor, ip_address: str | None = None
) -> tuple[ApiClient, str]:
    """Give the client a new secret; the old one and every token issued with it stop working."""
    api_client = _authorize_change(api_client, actor)
    secret = generate_secret()
    client = api_client.client
    client.set_secret(secret)
    client.save(update_fields=["secret"])
    Token.objects.filter(client=client).delete()
    api_client.secret_rotated_at = timezone.now()
    api_client.save(update_fields=["secret_rotated_at"])
    if api_client.organization is not None:
        record_event(
            org=api_client.organization,
            actor=actor,
            action="api_client.rotate",
            target=client.id,
            detail={"name": client.name},
            ip_address=ip_address,
        )
    return api_client, secret


@transaction.atomic
def revoke_client(*, api_client: ApiClient, actor, ip_address: str | None = None) -> ApiClient:
    """Revoke the client for good: its tokens die at once and no new one can be had."""
    api_client = _authorize_change(api_client, actor)
    client = api_client.client
    client.set_secret(generate_secret())  # nobody knows it
    client.set_grant_types([])
    client.save(update_fields=["secret", "grant_types"])
    Token.objects.filter(client=client).delete()
    api_client.revoked_at = timezone.now()
    api_client.save(update_fields=["revoked_at"])
    if api_client.organization is not None:
        record_event(
            org=api_client.organization,
            actor=actor,
            action="api_client.revoke",
            target=client.id,
            detail={"name": client.name},
            ip_address=ip_address,
        )
    return api_client

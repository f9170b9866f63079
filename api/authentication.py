"""Bearer tokens issued by allauth's OpenID Connect provider, checked in one query.

allauth ships `TokenAuthentication` for DRF; it runs oauthlib's request check, which
reads the token, then its client, then we would read the client's profile: three
queries per request. This class reads allauth's `Token` by the same hash (allauth's
adapter hashes it) together with its client and the `ApiClient` profile in one
query, and writes `last_used_at` at most once a minute (a second query then): at
most two queries per request.

The organization's security policy and the MFA of the client's creator come in the
same query. An API token is not a browser session, so the portal's MFA gate (which
sends a person to set up MFA) does not apply to it; but an organization client acts on
behalf of the person who created it, so while its organization requires MFA and that
person has none, every call is refused with a 403 that says so (`mfa_required`).
Platform clients, made by staff, are not an organization's and are not affected.
"""

from datetime import timedelta

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Token
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from organizations import security
from organizations.actors import MachineActor

from .errors import INVALID_TOKEN, ApiError
from .models import ApiClient
from .scopes import actions_for

LAST_USED_RESOLUTION = timedelta(minutes=1)


def _invalid() -> ApiError:
    return ApiError(401, INVALID_TOKEN, "invalid_token")


def mfa_refusal(api_client: ApiClient, creator_has_mfa: bool) -> ApiError | None:
    """The 403 for an org client whose org requires MFA its creator has not set up."""
    org = api_client.organization
    if org is None or creator_has_mfa or not security.requires_mfa(org):
        return None
    return ApiError(
        403,
        f"{org.display_name} requires two-factor authentication, and this client's "
        "creator has not set it up: the client acts on their behalf. They set it up, or an "
        "owner or admin who has it creates a new client and revokes this one.",
        "mfa_required",
    )


class ApiToken:
    """What a valid token grants: its client, the client's profile and the scopes."""

    def __init__(self, token: Token, api_client: ApiClient, scopes: frozenset[str]):
        self.token = token
        self.api_client = api_client
        self.scopes = scopes

    @property
    def client_id(self) -> str:
        return self.api_client.client_id


def actor_for(api_client: ApiClient, scopes) -> MachineActor:
    """The services' actor for a client holding `scopes`."""
    return MachineActor(
        key=api_client.client_id,
        label=api_client.label,
        role=api_client.role,
        org_id=api_client.organization_id,
        actions=actions_for(scopes),
        on_behalf_of=api_client.created_by,
    )


class ClientTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>` of a live, unrevoked API client."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if parts[0].lower() != self.keyword or len(parts) != 2:
            raise _invalid()
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise _invalid() from exc
        token = (
            Token.objects.valid()
            .filter(type=Token.Type.ACCESS_TOKEN, hash=get_adapter().hash_token(raw))
            .select_related(
                "client__api_client__created_by",
                "client__api_client__organization__security_policy",
            )
            .annotate(creator_has_mfa=security.has_mfa_annotation("client__api_client__created_by"))
            # The hash is unique: no ORDER BY (the default would cost its compilation).
            .order_by()[:1]
        )
        token = next(iter(token), None)
        api_client = getattr(token.client, "api_client", None) if token and token.client else None
        if api_client is None or api_client.is_revoked:
            raise _invalid()
        refusal = mfa_refusal(api_client, token.creator_has_mfa)
        if refusal is not None:
            raise refusal
        # Never more than the client holds now, whatever the token was issued with.
        scopes = frozenset(token.get_scopes()) & frozenset(token.client.get_scopes())
        now = timezone.now()
        if api_client.last_used_at is None or now - api_client.last_used_at > LAST_USED_RESOLUTION:
            ApiClient.objects.filter(pk=api_client.pk).update(last_used_at=now)
            api_client.last_used_at = now
        return actor_for(api_client, scopes), ApiToken(token, api_client, scopes)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ClientTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme: a bearer token from `POST /oauth/token`."""

    target_class = ClientTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from `POST /oauth/token` (client credentials).",
        }

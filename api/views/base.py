"""What every Management API view shares: token, rate limit, scopes, org lookup."""

from rest_framework.exceptions import APIException
from rest_framework.views import APIView

from organizations.mixins import client_ip
from organizations.models import Organization
from organizations.selectors import machine_access

from .. import ratelimits
from ..authentication import ApiToken
from ..errors import TOO_MANY_REQUESTS, ApiError, organization_not_found


class ManagementView(APIView):
    """A token is checked (401), the client's rate counted (429), then the scope (403).

    `required_scopes` maps an HTTP method to the scope it needs. Every answer, errors
    included, carries the X-RateLimit headers.
    """

    required_scopes: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        address = client_ip(request) or "unknown"
        try:
            auth = request.auth  # authenticates
        except APIException:
            self.rate = ratelimits.hit(f"ip:{address}")
            raise
        key = f"client:{auth.client_id}" if isinstance(auth, ApiToken) else f"ip:{address}"
        self.rate = ratelimits.hit(key)
        if self.rate.exceeded:
            raise ApiError(429, TOO_MANY_REQUESTS, "too_many_requests")
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        rate = getattr(self, "rate", None)
        if rate is not None:
            for name, value in rate.headers().items():
                response[name] = value
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        # An org out of reach is 404 whatever the method: a 405 would confirm it exists.
        if "org_id" in kwargs:
            self.get_org(kwargs["org_id"])
        elif "name" in kwargs:
            self.reachable(Organization.objects.filter(name=kwargs["name"]).first())
        return super().http_method_not_allowed(request, *args, **kwargs)

    @property
    def actor(self):
        return self.request.user

    @property
    def ip_address(self) -> str | None:
        return client_ip(self.request)

    def reachable(self, org: Organization | None) -> Organization:
        """`org` if the client reaches it; 404 for a missing org and one out of reach alike."""
        if org is None or machine_access(self.actor, org) is None:
            raise organization_not_found()
        return org

    def get_org(self, org_id: str) -> Organization:
        # public_id is unique: no ORDER BY (the default would cost its compilation).
        org = next(iter(Organization.objects.filter(public_id=org_id).order_by()[:1]), None)
        return self.reachable(org)


class NotFoundView(ManagementView):
    """Any other path under /api/v2/: Auth0's 404 body, with the rate-limit headers."""

    schema = None

    def _not_found(self, request, *args, **kwargs):
        raise ApiError(404, "Not Found", "not_found")

    get = post = patch = put = delete = _not_found

"""What every SCIM endpoint shares: the bearer token, SCIM error bodies, PATCH operations."""

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from organizations.errors import NotAllowed, OrganizationError
from organizations.mixins import client_ip
from organizations.seats import SeatLimitExceeded
from organizations.services import EmailDomainNotAllowed

from .. import protocol, selectors, services
from ..actors import ScimActor
from ..protocol import ScimError


def scim_error_for(exc: Exception) -> ScimError:
    """The SCIM answer to a refusal of the services."""
    if isinstance(exc, SeatLimitExceeded):
        return ScimError(409, f"No seat left: {exc.message}")
    if isinstance(exc, services.Conflict) or getattr(exc, "code", "") in (
        "already_member",
        "name_taken",
    ):
        return ScimError(409, _message(exc), "uniqueness")
    if isinstance(exc, EmailDomainNotAllowed):
        return ScimError(400, exc.message, "invalidValue")
    if isinstance(exc, NotAllowed):
        return ScimError(403, exc.message)
    if isinstance(exc, ValidationError):
        if getattr(exc, "code", "") == "name_taken" or "name_taken" in _codes(exc):
            return ScimError(409, _message(exc), "uniqueness")
        return ScimError(400, _message(exc), "invalidValue")
    return ScimError(400, _message(exc))


def _codes(exc: ValidationError) -> set[str]:
    return (
        {getattr(error, "code", "") for error in exc.error_list}
        if hasattr(exc, "error_list")
        else set()
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return getattr(exc, "message", str(exc))


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Authenticate the bearer token for the org in the URL; answer errors the SCIM way."""

    http_method_names = ["get"]

    def dispatch(self, request, *args, org_name: str, **kwargs):
        try:
            self.authenticate(request, org_name)
            return super().dispatch(request, *args, **kwargs)
        except ScimError as exc:
            return exc.response()
        except RequestDataTooBig:
            return ScimError(413, "The request body is too large.").response()
        except (OrganizationError, ValidationError) as exc:
            return scim_error_for(exc).response()

    def authenticate(self, request, org_name: str) -> None:
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        token = None
        if scheme.lower() == "bearer":
            token = selectors.token_for(org_name, raw.strip())
        if token is None:
            raise ScimError(401, "A valid SCIM bearer token for this organization is required.")
        self.token = token
        self.org = token.organization
        self.actor = ScimActor.of(token)

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = ScimError(405, f"{request.method} is not supported here.").response()
        response["Allow"] = ", ".join(m.upper() for m in self._allowed_methods())
        return response

    def base_url(self) -> str:
        root = reverse("scim:root", args=[self.org.name])
        return self.request.build_absolute_uri(root).rstrip("/")

    def body(self) -> dict:
        return protocol.parse_body(self.request.body)

    @property
    def ip(self) -> str | None:
        return client_ip(self.request)


def patch_operations(body: dict) -> list[dict]:
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "A PATCH needs a list of Operations.", "invalidSyntax")
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, f"Unsupported op: {operation.get('op')!r}.", "invalidSyntax")
        operation["op"] = op
        operation["path"] = str(operation.get("path") or "")
    return operations

"""Auth0's error bodies: `{"statusCode", "error", "message", "errorCode"}`.

Every error the API answers goes through `exception_handler` (DRF's hook): DRF's own
exceptions, the domain errors the services raise (`OrganizationError` and its kinds,
Django's `ValidationError` from `full_clean`), and the API's own (`ApiError`).
"""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from organizations.errors import NotAllowed, OrganizationError
from organizations.seats import SeatLimitExceeded

INVALID_TOKEN = "Invalid token."
TOO_MANY_REQUESTS = (
    "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and "
    "X-RateLimit-Reset headers."
)
ORGANIZATION_CONFLICT = "An organization with the same name already exists."

# Domain refusals that are a conflict with the current state rather than a bad body.
CONFLICT_CODES = frozenset(
    {"already_member", "already_invited", "last_owner", "seat_limit_exceeded", "name_taken"}
)


class ApiError(exceptions.APIException):
    """An error with Auth0's status, message and error code."""

    def __init__(self, status_code: int, message: str, error_code: str):
        super().__init__(detail=message, code=error_code)
        self.status_code = status_code
        self.message = message
        self.error_code = error_code


def body(status_code: int, message: str, error_code: str) -> dict:
    return {
        "statusCode": status_code,
        "error": HTTPStatus(status_code).phrase,
        "message": message,
        "errorCode": error_code,
    }


def invalid_body(message: str) -> ApiError:
    return ApiError(400, message, "invalid_body")


def invalid_query(message: str) -> ApiError:
    return ApiError(400, message, "invalid_query_string")


def insufficient_scope(scopes) -> ApiError:
    return ApiError(
        403, f"Insufficient scope; expected any of: {', '.join(scopes)}.", "insufficient_scope"
    )


def not_found(message: str, error_code: str = "not_found") -> ApiError:
    return ApiError(404, message, error_code)


def organization_not_found() -> ApiError:
    return not_found("The organization does not exist.", "inexistent_organization")


def _flatten(detail, prefix: str = "") -> list[str]:
    """DRF/Django error details as `field: message` lines."""
    if isinstance(detail, dict):
        lines = []
        for key, value in detail.items():
            name = key if key not in ("non_field_errors", "__all__") else ""
            lines += _flatten(value, f"{prefix}{name}" if not prefix else f"{prefix}.{name}")
        return lines
    if isinstance(detail, list):
        lines = []
        for item in detail:
            lines += _flatten(item, prefix)
        return lines
    text = str(detail)
    return [f"{prefix}: {text}" if prefix else text]


def _django_validation(exc: DjangoValidationError) -> ApiError:
    groups = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
    codes = {error.code for errors in groups for error in errors}
    if "name_taken" in codes or "unique" in codes:
        return ApiError(409, ORGANIZATION_CONFLICT, "organization_conflict")
    detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return invalid_body("Payload validation error: " + "; ".join(_flatten(detail)))


def _domain(exc: OrganizationError) -> ApiError:
    if isinstance(exc, NotAllowed):
        if exc.code == "not_member":
            # Outside the client's reach: as if the organization did not exist.
            return organization_not_found()
        return ApiError(403, exc.message, exc.code)
    if isinstance(exc, SeatLimitExceeded) or exc.code in CONFLICT_CODES:
        return ApiError(409, exc.message, exc.code)
    return ApiError(400, exc.message, exc.code)


def to_api_error(exc) -> ApiError | None:
    """The ApiError answering `exc`, or None for an exception that is a bug."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, OrganizationError):
        return _domain(exc)
    if isinstance(exc, DjangoValidationError):
        return _django_validation(exc)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return not_found("Not Found")
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return ApiError(401, INVALID_TOKEN, "invalid_token")
    if isinstance(exc, exceptions.Throttled):
        return ApiError(429, TOO_MANY_REQUESTS, "too_many_requests")
    if isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        return ApiError(403, str(getattr(exc, "detail", "")) or "Forbidden", "forbidden")
    if isinstance(exc, exceptions.ParseError):
        return invalid_body(f"Payload validation error: {exc.detail}")
    if isinstance(exc, exceptions.ValidationError):
        return invalid_body("Payload validation error: " + "; ".join(_flatten(exc.detail)))
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        return ApiError(exc.status_code, str(exc.detail), code)
    return None


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error as Auth0's body; unknown ones stay 500s."""
    error = to_api_error(exc)
    if error is None:
        return None
    headers = {}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(exc, exceptions.MethodNotAllowed):
        view = context.get("view")
        if view is not None:
            headers["Allow"] = ", ".join(view.allowed_methods)
    return Response(
        body(error.status_code, error.message, error.error_code),
        status=error.status_code,
        headers=headers,
    )

"""Scopes per endpoint: a view names the scope each method needs (`required_scopes`)."""

from rest_framework.permissions import BasePermission

from .authentication import ApiToken
from .errors import INVALID_TOKEN, ApiError, insufficient_scope


class HasScope(BasePermission):
    """A valid token (else 401) holding the scope the view names for the method (else 403)."""

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            raise ApiError(401, INVALID_TOKEN, "invalid_token")
        required = getattr(view, "required_scopes", {}).get(request.method)
        if required is None:
            return True
        if isinstance(required, str):
            required = (required,)
        if not set(required) & request.auth.scopes:
            raise insufficient_scope(required)
        return True

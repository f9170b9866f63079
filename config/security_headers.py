"""Response headers that tell the browser what a page may do.

The Content-Security-Policy comes from django-csp (`CONTENT_SECURITY_POLICY` in
settings); the `CSP_EXTRA_*` setting lists add origins to it for features that need a
third party (Stripe.js, an identity provider's sign-in form), read on every response so
any settings block may extend them.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

# Setting name → the directive whose sources it extends.
EXTRA_SOURCE_SETTINGS = {
    "CSP_EXTRA_SCRIPT_SRC": "script-src",
    "CSP_EXTRA_FRAME_SRC": "frame-src",
    "CSP_EXTRA_CONNECT_SRC": "connect-src",
    "CSP_EXTRA_IMG_SRC": "img-src",
    "CSP_EXTRA_FORM_ACTION": "form-action",
}


def extra_sources() -> dict[str, list[str]]:
    """The origins the `CSP_EXTRA_*` settings add, per directive."""
    extra = {}
    for setting, directive in EXTRA_SOURCE_SETTINGS.items():
        origins = [o for o in getattr(settings, setting, []) if o]
        if origins:
            extra[directive] = origins
    return extra


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the `CSP_EXTRA_*` origins added to the policy."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        extra = extra_sources()
        if extra:
            update = dict(parts.update or {})
            for directive, origins in extra.items():
                update[directive] = [*update.get(directive, []), *origins]
            parts.update = update
        return parts


class PermissionsPolicyMiddleware:
    """Sends `Permissions-Policy` from the `PERMISSIONS_POLICY` setting.

    `{"camera": [], "publickey-credentials-get": ["self"]}` becomes
    `camera=(), publickey-credentials-get=(self)`: an empty list turns a feature off
    for the page and every frame in it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        header = permissions_policy_header()
        if header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = header
        return response


def permissions_policy_header() -> str:
    return ", ".join(
        f"{feature}=({' '.join(_allowlist_item(o) for o in origins)})"
        for feature, origins in getattr(settings, "PERMISSIONS_POLICY", {}).items()
    )


def _allowlist_item(origin: str) -> str:
    return origin if origin in ("self", "*") else f'"{origin}"'

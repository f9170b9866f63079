"""The SCIM 2.0 wire format we speak (a subset of RFC 7643 and RFC 7644).

Schema URIs, error bodies, the `filter` expressions we answer (`attr eq "value"`),
pagination parameters and the discovery documents (ServiceProviderConfig,
ResourceTypes, Schemas). No rules of the portal live here.
"""

import json
import re
from dataclasses import dataclass

from django.http import HttpResponse

CONTENT_TYPE = "application/scim+json"

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

DEFAULT_COUNT = 100
MAX_COUNT = 200


class ScimError(Exception):
    """An answer in SCIM's error format (RFC 7644 §3.12)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict:
        body = {"schemas": [ERROR], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body

    def response(self) -> HttpResponse:
        response = json_response(self.body(), status=self.status)
        if self.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="scim"'
        return response


def json_response(document: dict, *, status: int = 200, location: str = "") -> HttpResponse:
    response = HttpResponse(json.dumps(document), content_type=CONTENT_TYPE, status=status)
    response["Cache-Control"] = "no-store"
    if location:
        response["Location"] = location
    return response


def parse_body(raw: bytes) -> dict:
    """The request's JSON object; anything else is `invalidSyntax`."""
    try:
        body = json.loads(raw.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ScimError(400, "The body is not valid JSON.", "invalidSyntax") from exc
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
    return body


@dataclass(frozen=True)
class Filter:
    """`attribute eq "value"`: the one filter form the portal answers."""

    attribute: str  # lower-cased attribute path, e.g. "username", "emails.value"
    value: str


_FILTER = re.compile(r'^\s*([A-Za-z][\w.:-]*)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$', re.IGNORECASE)


def parse_filter(expression: str | None, allowed: set[str]) -> Filter | None:
    """The filter of a list request, or None; unsupported ones are `invalidFilter`."""
    if expression is None or not expression.strip():
        return None
    match = _FILTER.match(expression)
    if not match:
        raise ScimError(
            400, 'Only filters of the form attribute eq "value" are supported.', "invalidFilter"
        )
    attribute = match.group(1).lower()
    # A fully qualified path names the core schema's attribute.
    for schema in (USER_SCHEMA, GROUP_SCHEMA):
        if attribute.startswith(schema.lower() + ":"):
            attribute = attribute[len(schema) + 1 :]
    if attribute not in allowed:
        raise ScimError(400, f"Filtering on {match.group(1)} is not supported.", "invalidFilter")
    try:
        value = json.loads(match.group(2))
    except ValueError as exc:
        raise ScimError(400, "The filter's value is not a valid string.", "invalidFilter") from exc
    return Filter(attribute=attribute, value=value)


def parse_page(params) -> tuple[int, int]:
    """(startIndex, count) of a list request: 1-based; bad values are `invalidValue`."""
    try:
        start = int(params.get("startIndex") or 1)
        raw_count = params.get("count")
        count = DEFAULT_COUNT if raw_count in (None, "") else int(raw_count)
    except ValueError as exc:
        raise ScimError(400, "startIndex and count must be integers.", "invalidValue") from exc
    return max(start, 1), min(max(count, 0), MAX_COUNT)


def list_response(resources: list[dict], *, total: int, start: int) -> dict:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def as_bool(value) -> bool:
    """SCIM booleans; some providers send "True"/"False" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(400, "active must be true or false.", "invalidValue")


def as_text(value, what: str, *, max_length: int = 255) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ScimError(400, f"{what} must be a string.", "invalidValue")
    if len(value) > max_length:
        raise ScimError(400, f"{what} is longer than {max_length} characters.", "invalidValue")
    return value.strip()


# Discovery documents ------------------------------------------------------------------


def service_provider_config(base_url: str) -> dict:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "documentationUri": "",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_COUNT},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The organization's SCIM token, created on its Provisioning tab.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": base_url},
    }


def resource_types(base_url: str) -> list[dict]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A member of the organization",
            "schema": USER_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/User"},
        },
        {
            "schemas": [RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A team of the organization",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/Group"},
        },
    ]


def _attribute(name: str, *, kind: str = "string", required=False, multi=False, **extra) -> dict:
    return {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "required": required,
        "caseExact": False,
        "mutability": extra.pop("mutability", "readWrite"),
        "returned": "default",
        "uniqueness": extra.pop("uniqueness", "none"),
        **extra,
    }


def schemas(base_url: str) -> list[dict]:
    user = {
        "schemas": [SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A member of the organization, identified by their email address",
        "attributes": [
            _attribute("userName", required=True, uniqueness="server"),
            _attribute(
                "name",
                kind="complex",
                subAttributes=[_attribute("givenName"), _attribute("familyName")],
            ),
            _attribute("displayName", mutability="readOnly"),
            _attribute(
                "emails",
                kind="complex",
                multi=True,
                subAttributes=[_attribute("value"), _attribute("primary", kind="boolean")],
            ),
            _attribute("active", kind="boolean"),
            _attribute("externalId"),
        ],
        "meta": {"resourceType": "Schema", "location": f"{base_url}/{USER_SCHEMA}"},
    }
    group = {
        "schemas": [SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A team of the organization",
        "attributes": [
            _attribute("displayName", required=True, uniqueness="server"),
            _attribute(
                "members",
                kind="complex",
                multi=True,
                subAttributes=[
                    _attribute("value", mutability="immutable"),
                    _attribute("display", mutability="readOnly"),
                ],
            ),
        ],
        "meta": {"resourceType": "Schema", "location": f"{base_url}/{GROUP_SCHEMA}"},
    }
    return [user, group]

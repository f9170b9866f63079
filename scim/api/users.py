"""`/Users`: the org's members, one SCIM User per provisioned person."""

from django.http import HttpResponse

from .. import protocol, selectors, services
from ..models import ScimUser
from ..protocol import ScimError, as_bool, as_text, json_response
from .base import ScimView, patch_operations

USER_FILTERS = {"username", "emails", "emails.value", "externalid", "id"}


class UserResourceMixin:
    def user_location(self, scim_user: ScimUser) -> str:
        return f"{self.base_url()}/Users/{scim_user.scim_id}"

    def render_user(self, scim_user: ScimUser) -> dict:
        user = scim_user.user
        document = {
            "schemas": [protocol.USER_SCHEMA],
            "id": str(scim_user.scim_id),
            "userName": user.email,
            "name": {
                "givenName": user.first_name,
                "familyName": user.last_name,
                "formatted": user.get_full_name(),
            },
            "displayName": user.get_full_name() or user.email,
            "emails": [{"value": user.email, "primary": True, "type": "work"}],
            "active": bool(scim_user.is_member),
            "meta": {
                "resourceType": "User",
                "created": scim_user.created_at.isoformat(),
                "lastModified": scim_user.updated_at.isoformat(),
                "location": self.user_location(scim_user),
            },
        }
        if scim_user.external_id:
            document["externalId"] = scim_user.external_id
        return document

    def get_scim_user(self, scim_id: str) -> ScimUser:
        found = selectors.filter_users(
            selectors.scim_users(self.org), protocol.Filter("id", scim_id)
        ).first()
        if found is None:
            raise ScimError(404, f"User {scim_id} not found.")
        return found

    def user_response(self, scim_user: ScimUser, *, status: int = 200):
        scim_user = self.get_scim_user(str(scim_user.scim_id))
        document = self.render_user(scim_user)
        return json_response(document, status=status, location=document["meta"]["location"])


def _user_fields(body: dict) -> dict:
    """The writable attributes of a full User document (POST and PUT)."""
    name = body.get("name") or {}
    if not isinstance(name, dict):
        raise ScimError(400, "name must be an object.", "invalidValue")
    fields = {
        "given_name": as_text(name.get("givenName"), "name.givenName"),
        "family_name": as_text(name.get("familyName"), "name.familyName"),
        "external_id": as_text(body.get("externalId"), "externalId"),
    }
    if "active" in body:
        fields["active"] = as_bool(body["active"])
    return fields


def _user_name(body: dict) -> str:
    user_name = body.get("userName")
    if not user_name:
        emails = body.get("emails") or []
        if isinstance(emails, list):
            primary = [e for e in emails if isinstance(e, dict) and e.get("primary")] or emails
            user_name = primary[0].get("value") if primary and isinstance(primary[0], dict) else ""
    if not user_name:
        raise ScimError(400, "userName is required.", "invalidValue")
    return as_text(user_name, "userName")


class UsersView(UserResourceMixin, ScimView):
    """GET: list (filter, startIndex, count); POST: provision a user."""

    http_method_names = ["get", "post"]

    def get(self, request):
        found = protocol.parse_filter(request.GET.get("filter"), USER_FILTERS)
        start, count = protocol.parse_page(request.GET)
        users = selectors.filter_users(selectors.scim_users(self.org), found)
        total = users.count()
        page = list(users[start - 1 : start - 1 + count]) if count else []
        resources = [self.render_user(u) for u in page]
        return json_response(protocol.list_response(resources, total=total, start=start))

    def post(self, request):
        body = self.body()
        fields = _user_fields(body)
        scim_user = services.provision_user(
            org=self.org,
            actor=self.actor,
            user_name=_user_name(body),
            active=fields.pop("active", True),
            ip_address=self.ip,
            **fields,
        )
        return self.user_response(scim_user, status=201)


class UserView(UserResourceMixin, ScimView):
    """One user: GET, PUT (replace), PATCH (operations), DELETE."""

    http_method_names = ["get", "put", "patch", "delete"]

    def get(self, request, scim_id):
        return self.user_response(self.get_scim_user(scim_id))

    def put(self, request, scim_id):
        scim_user = self.get_scim_user(scim_id)
        body = self.body()
        user_name = body.get("userName")
        if user_name and str(user_name).strip().lower() != scim_user.user.email.lower():
            raise ScimError(400, "userName cannot be changed.", "mutability")
        fields = _user_fields(body)
        services.update_user(
            org=self.org, actor=self.actor, scim_user=scim_user, ip_address=self.ip, **fields
        )
        return self.user_response(scim_user)

    def patch(self, request, scim_id):
        scim_user = self.get_scim_user(scim_id)
        changes = _user_patch(self.body(), scim_user)
        services.update_user(
            org=self.org, actor=self.actor, scim_user=scim_user, ip_address=self.ip, **changes
        )
        return self.user_response(scim_user)

    def delete(self, request, scim_id):
        scim_user = self.get_scim_user(scim_id)
        services.delete_user(
            org=self.org, actor=self.actor, scim_user=scim_user, ip_address=self.ip
        )
        return HttpResponse(status=204)


_USER_PATHS = {
    "active": "active",
    "name.givenname": "given_name",
    "name.familyname": "family_name",
    "externalid": "external_id",
}


def _user_patch(body: dict, scim_user: ScimUser) -> dict:
    """The changes a User PATCH asks for: active, name and externalId (add or replace)."""
    changes: dict = {}
    for operation in patch_operations(body):
        if operation["op"] == "remove":
            raise ScimError(400, "Removing user attributes is not supported.", "mutability")
        path, value = operation["path"].lower(), operation.get("value")
        values = {path: value} if path else value
        if not isinstance(values, dict):
            raise ScimError(400, "The operation's value must be an object.", "invalidValue")
        for key, item in _flatten(values).items():
            if _ignored(key):
                continue
            field = _USER_PATHS.get(key)
            if field is None:
                raise ScimError(400, f"Unsupported attribute: {key}.", "invalidPath")
            if field == "active":
                changes[field] = as_bool(item)
            else:
                changes[field] = as_text(item, key)
    return changes


# Attributes providers send that the portal derives (userName is the account's address,
# emails and displayName follow from it) or does not keep (titles, phone numbers, the
# enterprise extension): accepted and left alone, so a provider's routine update works.
# Anything else, `password` included, is refused.
_IGNORED = (
    "username",
    "displayname",
    "emails",
    "schemas",
    "id",
    "meta",
    "name.formatted",
    "name.middlename",
    "name.honorificprefix",
    "name.honorificsuffix",
    "nickname",
    "title",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "profileurl",
    "phonenumbers",
    "addresses",
    "photos",
    "urn:ietf:params:scim:schemas:extension:",
)


def _ignored(path: str) -> bool:
    return any(
        path == name
        or path.startswith((f"{name}[", f"{name}."))
        or (name.endswith(":") and path.startswith(name))
        for name in _IGNORED
    )


def _flatten(values: dict, prefix: str = "") -> dict:
    """`{"name": {"givenName": "A"}}` → `{"name.givenname": "A"}` (lower-cased paths)."""
    flat = {}
    for key, value in values.items():
        path = f"{prefix}{str(key).lower()}"
        if path == "name" and isinstance(value, dict):
            flat.update(_flatten(value, "name."))
        else:
            flat[path] = value
    return flat

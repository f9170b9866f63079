"""The SCIM 2.0 API of one organization: `/scim/v2/<org>/Users`, `/Groups` and discovery.

Only a bearer token is accepted (no session, so no CSRF): the org's live SCIM token.
Any other token, a revoked or rotated one, another org's, or none gets 401 with a SCIM
error body, whether the org exists or not. Views parse and render; the changes are
`scim.services`, which act through the organizations services with the token as the
actor.
"""

import re

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from organizations.errors import NotAllowed, OrganizationError
from organizations.mixins import client_ip
from organizations.models import Team
from organizations.seats import SeatLimitExceeded
from organizations.services import EmailDomainNotAllowed, delete_team, rename_team

from . import protocol, selectors, services
from .actors import ScimActor
from .models import ScimUser
from .protocol import ScimError, as_bool, as_text, json_response

USER_FILTERS = {"username", "emails", "emails.value", "externalid", "id"}
GROUP_FILTERS = {"displayname", "id"}


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


# Users -------------------------------------------------------------------------------


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


def _operations(body: dict) -> list[dict]:
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


_USER_PATHS = {
    "active": "active",
    "name.givenname": "given_name",
    "name.familyname": "family_name",
    "externalid": "external_id",
}


def _user_patch(body: dict, scim_user: ScimUser) -> dict:
    """The changes a User PATCH asks for: active, name and externalId (add or replace)."""
    changes: dict = {}
    for operation in _operations(body):
        if operation["op"] == "remove":
            raise ScimError(400, "Removing user attributes is not supported.", "mutability")
        path, value = operation["path"].lower(), operation.get("value")
        values = {path: value} if path else value
        if not isinstance(values, dict):
            raise ScimError(400, "The operation's value must be an object.", "invalidValue")
        for key, item in _flatten(values).items():
            if key in ("username", "displayname", "emails", "schemas", "id"):
                continue  # userName is the account's address; the rest is derived
            field = _USER_PATHS.get(key)
            if field is None:
                raise ScimError(400, f"Unsupported attribute: {key}.", "invalidPath")
            if field == "active":
                changes[field] = as_bool(item)
            else:
                changes[field] = as_text(item, key)
    return changes


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


# Groups ------------------------------------------------------------------------------


class GroupResourceMixin:
    def render_group(self, team: Team, scim_ids: dict[int, str]) -> dict:
        location = f"{self.base_url()}/Groups/{team.pk}"
        members = [
            {
                "value": scim_ids[m.user_id],
                "display": m.user.email,
                "$ref": f"{self.base_url()}/Users/{scim_ids[m.user_id]}",
            }
            for m in team.members.all()
            if m.user_id in scim_ids
        ]
        return {
            "schemas": [protocol.GROUP_SCHEMA],
            "id": str(team.pk),
            "displayName": team.name,
            "members": members,
            "meta": {
                "resourceType": "Group",
                "created": team.created_at.isoformat(),
                "location": location,
            },
        }

    def render_groups(self, teams: list[Team]) -> list[dict]:
        user_ids = [m.user_id for team in teams for m in team.members.all()]
        scim_ids = selectors.scim_ids_by_user(self.org, user_ids)
        return [self.render_group(team, scim_ids) for team in teams]

    def get_team(self, team_id: str) -> Team:
        found = selectors.filter_teams(
            selectors.teams(self.org), protocol.Filter("id", team_id)
        ).first()
        if found is None:
            raise ScimError(404, f"Group {team_id} not found.")
        return found

    def group_response(self, team: Team, *, status: int = 200):
        document = self.render_groups([self.get_team(str(team.pk))])[0]
        return json_response(document, status=status, location=document["meta"]["location"])


def _member_ids(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(m, dict) and "value" in m for m in value):
        raise ScimError(400, 'members must be a list of {"value": id}.', "invalidValue")
    return [str(m["value"]) for m in value]


class GroupsView(GroupResourceMixin, ScimView):
    """GET: list (filter displayName eq, startIndex, count); POST: create a team."""

    http_method_names = ["get", "post"]

    def get(self, request):
        found = protocol.parse_filter(request.GET.get("filter"), GROUP_FILTERS)
        start, count = protocol.parse_page(request.GET)
        teams = selectors.filter_teams(selectors.teams(self.org), found)
        total = teams.count()
        page = list(teams[start - 1 : start - 1 + count]) if count else []
        return json_response(
            protocol.list_response(self.render_groups(page), total=total, start=start)
        )

    def post(self, request):
        body = self.body()
        display_name = as_text(body.get("displayName"), "displayName")
        if not display_name:
            raise ScimError(400, "displayName is required.", "invalidValue")
        team = services.create_group(
            org=self.org,
            actor=self.actor,
            display_name=display_name,
            member_ids=_member_ids(body.get("members")),
            ip_address=self.ip,
        )
        return self.group_response(team, status=201)


_MEMBER_VALUE_PATH = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)


class GroupView(GroupResourceMixin, ScimView):
    """One team: GET, PUT (name and members), PATCH (members and name), DELETE."""

    http_method_names = ["get", "put", "patch", "delete"]

    def get(self, request, team_id):
        return self.group_response(self.get_team(team_id))

    def put(self, request, team_id):
        team = self.get_team(team_id)
        body = self.body()
        self._rename(team, body.get("displayName"))
        services.change_group_members(
            org=self.org,
            actor=self.actor,
            team=team,
            replace=_member_ids(body.get("members")),
            ip_address=self.ip,
        )
        return self.group_response(team)

    def patch(self, request, team_id):
        team = self.get_team(team_id)
        add, remove, replace, name = [], [], None, None
        for operation in _operations(self.body()):
            op, path, value = operation["op"], operation["path"], operation.get("value")
            by_value = _MEMBER_VALUE_PATH.match(path)
            if path.lower() == "members":
                if op == "add":
                    add += _member_ids(value)
                elif op == "remove":
                    if value is None:
                        replace = []
                    else:
                        remove += _member_ids(value)
                else:
                    replace = _member_ids(value)
            elif by_value and op == "remove":
                remove.append(by_value.group(1))
            elif path.lower() == "displayname" and op in ("add", "replace"):
                name = value
            elif not path and op in ("add", "replace") and isinstance(value, dict):
                for key, item in value.items():
                    if key.lower() == "displayname":
                        name = item
                    elif key.lower() == "members":
                        if op == "add":
                            add += _member_ids(item)
                        else:
                            replace = _member_ids(item)
                    elif key.lower() not in ("id", "schemas", "externalid"):
                        raise ScimError(400, f"Unsupported attribute: {key}.", "invalidPath")
            else:
                raise ScimError(400, f"Unsupported path: {path or '(none)'}.", "invalidPath")
        self._rename(team, name)
        services.change_group_members(
            org=self.org,
            actor=self.actor,
            team=team,
            add=add,
            remove=remove,
            replace=replace,
            ip_address=self.ip,
        )
        return self.group_response(team)

    def delete(self, request, team_id):
        team = self.get_team(team_id)
        delete_team(org=self.org, actor=self.actor, team=team, ip_address=self.ip)
        return HttpResponse(status=204)

    def _rename(self, team: Team, name) -> None:
        if name is None:
            return
        name = as_text(name, "displayName")
        if name and name != team.name:
            rename_team(org=self.org, actor=self.actor, team=team, name=name, ip_address=self.ip)
            team.name = name


# Discovery ---------------------------------------------------------------------------


class RootView(ScimView):
    """`/scim/v2/<org>/`: the base URL; points at the discovery documents."""

    def get(self, request):
        return json_response(protocol.service_provider_config(self.base_url()))


class ServiceProviderConfigView(ScimView):
    def get(self, request):
        return json_response(
            protocol.service_provider_config(f"{self.base_url()}/ServiceProviderConfig")
        )


class ResourceTypesView(ScimView):
    def get(self, request, type_id=None):
        types = protocol.resource_types(f"{self.base_url()}/ResourceTypes")
        if type_id is None:
            return json_response(protocol.list_response(types, total=len(types), start=1))
        for resource_type in types:
            if resource_type["id"] == type_id:
                return json_response(resource_type)
        raise ScimError(404, f"Resource type {type_id} not found.")


class SchemasView(ScimView):
    def get(self, request, schema_id=None):
        found = protocol.schemas(f"{self.base_url()}/Schemas")
        if schema_id is None:
            return json_response(protocol.list_response(found, total=len(found), start=1))
        for schema in found:
            if schema["id"] == schema_id:
                return json_response(schema)
        raise ScimError(404, f"Schema {schema_id} not found.")

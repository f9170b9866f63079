"""`/Groups`: the org's teams."""

import re

from django.http import HttpResponse

from organizations.models import Team
from organizations.services import delete_team, rename_team

from .. import protocol, selectors, services
from ..protocol import ScimError, as_text, json_response
from .base import ScimView, patch_operations

GROUP_FILTERS = {"displayname", "id"}


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
        for operation in patch_operations(self.body()):
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

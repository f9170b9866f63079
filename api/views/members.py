"""Members of an organization and their roles (Auth0's `/members` and `/roles`)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from organizations import services
from organizations.models import Membership
from organizations.selectors import reachable_by

from .. import pagination, scopes
from ..errors import ApiError, invalid_body
from ..serializers import (
    ROLES_BY_ID,
    MemberPageSerializer,
    MembersBodySerializer,
    MemberSerializer,
    RolesBodySerializer,
    RoleSerializer,
    member_body,
    role_body,
)
from .base import ManagementView
from .organizations import ERRORS, PAGING_PARAMETERS, page_of, validated

Role = Membership.Role


def _user_pk(value: str) -> int | None:
    """`usr_<n>` → n; None for anything else."""
    if value.startswith("usr_") and value[4:].isdigit() and len(value) < 24:
        return int(value[4:])
    return None


def user_not_found(value: str) -> ApiError:
    return ApiError(404, f"The user {value} does not exist.", "inexistent_user")


def _role_of(value: str) -> str:
    role = ROLES_BY_ID.get(value) or (value if value in Role.values else None)
    if role is None:
        raise ApiError(404, f"The role {value} does not exist.", "inexistent_role")
    return role


class MemberListView(ManagementView):
    required_scopes = {
        "GET": scopes.READ_MEMBERS,
        "POST": scopes.CREATE_MEMBERS,
        "DELETE": scopes.DELETE_MEMBERS,
    }

    def _users(self, values: list[str]):
        """The users named, as this client may name them.

        A platform client names any active user; an organization's client only people
        who already belong to an org it reaches (anyone else is invited instead).
        """
        users = get_user_model().objects.filter(is_active=True)
        if not self.actor.is_platform:
            users = users.filter(memberships__organization__in=reachable_by(self.actor))
        found = []
        for value in values:
            pk = _user_pk(value)
            user = users.filter(pk=pk).first() if pk is not None else None
            if user is None:
                raise user_not_found(value)
            found.append(user)
        return found

    @extend_schema(
        operation_id="organization_members_list",
        parameters=PAGING_PARAMETERS,
        responses={200: page_of(MemberSerializer, MemberPageSerializer, "MemberList"), **ERRORS},
    )
    def get(self, request, org_id):
        org = self.get_org(org_id)
        paging = pagination.parse(request.query_params)
        memberships = (
            Membership.objects.filter(organization=org)
            .select_related("user")
            .only("role", "user_id", "user__email", "user__first_name", "user__last_name")
        )
        return Response(
            pagination.paginate(
                memberships,
                paging,
                key="members",
                order_field="user_id",
                serialize=member_body,
                convert=pagination.checkpoint_int,
            )
        )

    @extend_schema(
        operation_id="organization_members_create",
        request=MembersBodySerializer,
        responses={204: None, **ERRORS},
    )
    def post(self, request, org_id):
        org = self.get_org(org_id)
        data = validated(MembersBodySerializer, request.data)
        users = self._users(data["members"])
        with transaction.atomic():
            for user in users:
                if Membership.objects.filter(organization=org, user=user).exists():
                    continue  # already a member: nothing to do, as Auth0
                services.add_member(
                    org=org, user=user, actor=self.actor, ip_address=self.ip_address
                )
        return Response(status=204)

    @extend_schema(
        operation_id="organization_members_delete",
        request=MembersBodySerializer,
        responses={204: None, **ERRORS},
    )
    def delete(self, request, org_id):
        org = self.get_org(org_id)
        data = validated(MembersBodySerializer, request.data)
        pks = [_user_pk(value) for value in data["members"]]
        with transaction.atomic():
            for membership in Membership.objects.filter(
                organization=org, user_id__in=[pk for pk in pks if pk is not None]
            ):
                services.remove_member(
                    org=org, actor=self.actor, membership=membership, ip_address=self.ip_address
                )
        return Response(status=204)


class MemberRolesView(ManagementView):
    required_scopes = {
        "GET": scopes.READ_MEMBER_ROLES,
        "POST": scopes.CREATE_MEMBER_ROLES,
        "DELETE": scopes.DELETE_MEMBER_ROLES,
    }

    def get_membership(self, org_id: str, user_id: str) -> Membership:
        org = self.get_org(org_id)
        pk = _user_pk(user_id)
        membership = (
            Membership.objects.filter(organization=org, user_id=pk)
            .select_related("organization", "user")
            .first()
            if pk is not None
            else None
        )
        if membership is None:
            raise ApiError(404, f"The user {user_id} is not a member.", "inexistent_member")
        return membership

    @extend_schema(
        operation_id="organization_member_roles_list",
        responses={200: RoleSerializer(many=True), **ERRORS},
    )
    def get(self, request, org_id, user_id):
        membership = self.get_membership(org_id, user_id)
        return Response([role_body(membership.role)])

    @extend_schema(
        operation_id="organization_member_roles_assign",
        request=RolesBodySerializer,
        responses={204: None, **ERRORS},
    )
    def post(self, request, org_id, user_id):
        membership = self.get_membership(org_id, user_id)
        data = validated(RolesBodySerializer, request.data)
        roles = {_role_of(value) for value in data["roles"]}
        if len(roles) > 1:
            raise invalid_body(
                "Payload validation error: a member holds one role; assign one at a time."
            )
        services.change_role(
            org=membership.organization,
            actor=self.actor,
            membership=membership,
            role=roles.pop(),
            ip_address=self.ip_address,
        )
        return Response(status=204)

    @extend_schema(
        operation_id="organization_member_roles_delete",
        request=RolesBodySerializer,
        responses={204: None, **ERRORS},
    )
    def delete(self, request, org_id, user_id):
        membership = self.get_membership(org_id, user_id)
        data = validated(RolesBodySerializer, request.data)
        roles = {_role_of(value) for value in data["roles"]}
        if membership.role not in roles:
            return Response(status=204)
        if membership.role == Role.MEMBER:
            raise invalid_body(
                "Payload validation error: every member holds a role; assign another "
                "role instead of removing member."
            )
        # Removing the owner or admin role leaves the plain member role.
        services.change_role(
            org=membership.organization,
            actor=self.actor,
            membership=membership,
            role=Role.MEMBER,
            ip_address=self.ip_address,
        )
        return Response(status=204)

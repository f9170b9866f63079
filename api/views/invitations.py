"""Invitations of an organization (Auth0's `/organizations/{id}/invitations`)."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from invitations import services as invitation_services
from invitations.models import Invitation
from organizations.models import Membership

from .. import pagination, scopes
from ..errors import ApiError
from ..serializers import (
    CreatedInvitationSerializer,
    InvitationCreateSerializer,
    InvitationPageSerializer,
    InvitationSerializer,
    invitation_body,
)
from .base import ManagementView
from .members import _role_of
from .organizations import ERRORS, PAGING_PARAMETERS, page_of, validated


def _invitation_pk(value: str) -> int | None:
    if value.startswith("uinv_") and value[5:].isdigit() and len(value) < 24:
        return int(value[5:])
    return None


def _open(org):
    return Invitation.objects.filter(
        organization=org, status=Invitation.Status.PENDING
    ).select_related("invited_by")


# The columns a listed invitation shows: fewer columns, faster rows.
LIST_FIELDS = (
    "email",
    "inviter_name",
    "invited_by__first_name",
    "invited_by__last_name",
    "invited_by__email",
    "created_at",
    "expires_at",
    "role",
    "status",
)


class InvitationListView(ManagementView):
    required_scopes = {"GET": scopes.READ_INVITATIONS, "POST": scopes.CREATE_INVITATIONS}

    @extend_schema(
        operation_id="organization_invitations_list",
        parameters=PAGING_PARAMETERS,
        responses={
            200: page_of(InvitationSerializer, InvitationPageSerializer, "InvitationList"),
            **ERRORS,
        },
    )
    def get(self, request, org_id):
        org = self.get_org(org_id)
        paging = pagination.parse(request.query_params)
        return Response(
            pagination.paginate(
                _open(org).only(*LIST_FIELDS),
                paging,
                key="invitations",
                order_field="pk",
                serialize=lambda invitation: invitation_body(invitation, org),
                convert=pagination.checkpoint_int,
            )
        )

    @extend_schema(
        operation_id="organization_invitations_create",
        request=InvitationCreateSerializer,
        responses={201: CreatedInvitationSerializer, **ERRORS},
    )
    def post(self, request, org_id):
        org = self.get_org(org_id)
        data = validated(InvitationCreateSerializer, request.data)
        roles = data.get("roles") or []
        role = _role_of(roles[0]) if roles else Membership.Role.MEMBER
        ttl = data.get("ttl_sec") or 0
        invitation = invitation_services.invite_member(
            org=org,
            inviter=self.actor,
            email=data["invitee"]["email"],
            role=role,
            inviter_name=data["inviter"]["name"],
            send_email=data.get("send_invitation_email", True),
            lifetime=timedelta(seconds=ttl) if ttl else None,
            ip_address=self.ip_address,
        )
        return Response(
            {**invitation_body(invitation, org), "invitation_url": invitation.link}, status=201
        )


class InvitationDetailView(ManagementView):
    required_scopes = {"GET": scopes.READ_INVITATIONS, "DELETE": scopes.DELETE_INVITATIONS}

    def get_invitation(self, org_id: str, invitation_id: str) -> Invitation:
        org = self.get_org(org_id)
        pk = _invitation_pk(invitation_id)
        invitation = _open(org).filter(pk=pk).first() if pk is not None else None
        if invitation is None:
            raise ApiError(404, "The invitation does not exist.", "inexistent_invitation")
        return invitation

    @extend_schema(
        operation_id="organization_invitations_get",
        responses={200: InvitationSerializer, **ERRORS},
    )
    def get(self, request, org_id, invitation_id):
        invitation = self.get_invitation(org_id, invitation_id)
        return Response(invitation_body(invitation, invitation.organization))

    @extend_schema(operation_id="organization_invitations_delete", responses={204: None, **ERRORS})
    def delete(self, request, org_id, invitation_id):
        invitation = self.get_invitation(org_id, invitation_id)
        invitation_services.revoke_invitation(
            invitation=invitation, actor=self.actor, ip_address=self.ip_address
        )
        return Response(status=204)

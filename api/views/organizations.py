"""`/api/v2/organizations`: create, list, get by id or name, update, delete."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework.response import Response

from organizations import services
from organizations.models import Organization
from organizations.selectors import reachable_by
from sso import selectors as sso_selectors

from .. import pagination, scopes
from ..errors import invalid_body
from ..serializers import (
    CreatedOrganizationSerializer,
    EnabledConnectionSerializer,
    ErrorSerializer,
    OrganizationCreateSerializer,
    OrganizationPageSerializer,
    OrganizationSerializer,
    OrganizationUpdateSerializer,
    branding_fields,
    enabled_connection_body,
    org_body,
)
from .base import ManagementView

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
    429: ErrorSerializer,
}

PAGING_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page index, from 0."),
    OpenApiParameter("per_page", OpenApiTypes.INT, description="Rows per page, 1-100."),
    OpenApiParameter(
        "include_totals", OpenApiTypes.BOOL, description="Answer with start, limit and total."
    ),
    OpenApiParameter("from", OpenApiTypes.STR, description="Checkpoint: `next` of the last page."),
    OpenApiParameter("take", OpenApiTypes.INT, description="Checkpoint: rows per page, 1-100."),
]


def page_of(serializer_class, page_serializer, name: str):
    return PolymorphicProxySerializer(
        component_name=name,
        serializers=[serializer_class(many=True), page_serializer],
        resource_type_field_name=None,
        many=False,
    )


def validated(serializer_class, data, *, partial: bool = False) -> dict:
    if not isinstance(data, dict):
        raise invalid_body("Payload validation error: the body must be a JSON object.")
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# The columns an answer shows: fewer columns, faster rows.
LIST_FIELDS = (
    "public_id",
    "name",
    "display_name",
    "logo_url",
    "primary_color",
    "page_background_color",
    "metadata",
)


def render_org(org: Organization) -> dict:
    return org_body(org)


class OrganizationListView(ManagementView):
    required_scopes = {"GET": scopes.READ_ORGANIZATIONS, "POST": scopes.CREATE_ORGANIZATIONS}

    @extend_schema(
        operation_id="organizations_list",
        parameters=PAGING_PARAMETERS,
        responses={
            200: page_of(OrganizationSerializer, OrganizationPageSerializer, "OrganizationList"),
            **ERRORS,
        },
    )
    def get(self, request):
        paging = pagination.parse(request.query_params)
        return Response(
            pagination.paginate(
                reachable_by(self.actor).only(*LIST_FIELDS),
                paging,
                key="organizations",
                order_field="name",
                serialize=render_org,
            )
        )

    @extend_schema(
        operation_id="organizations_create",
        request=OrganizationCreateSerializer,
        responses={201: CreatedOrganizationSerializer, **ERRORS},
    )
    def post(self, request):
        data = validated(OrganizationCreateSerializer, request.data)
        org = services.create_unowned_organization(
            actor=self.actor,
            name=data["name"],
            display_name=data.get("display_name") or data["name"],
            metadata=data.get("metadata") or {},
            ip_address=self.ip_address,
            **branding_fields(data),
        )
        return Response({**org_body(org), "enabled_connections": []}, status=201)


class OrganizationDetailView(ManagementView):
    required_scopes = {
        "GET": scopes.READ_ORGANIZATIONS,
        "PATCH": scopes.UPDATE_ORGANIZATIONS,
        "DELETE": scopes.DELETE_ORGANIZATIONS,
    }

    @extend_schema(
        operation_id="organizations_get", responses={200: OrganizationSerializer, **ERRORS}
    )
    def get(self, request, org_id):
        return Response(render_org(self.get_org(org_id)))

    @extend_schema(
        operation_id="organizations_update",
        request=OrganizationUpdateSerializer,
        responses={200: OrganizationSerializer, **ERRORS},
    )
    def patch(self, request, org_id):
        org = self.get_org(org_id)
        data = validated(OrganizationUpdateSerializer, request.data, partial=True)
        fields = {key: data[key] for key in ("name", "display_name", "metadata") if key in data}
        if "display_name" in fields and not fields["display_name"]:
            fields["display_name"] = fields.get("name") or org.name
        org = services.update_organization(
            org=org,
            actor=self.actor,
            ip_address=self.ip_address,
            **fields,
            **branding_fields(data),
        )
        return Response(render_org(org))

    @extend_schema(operation_id="organizations_delete", responses={204: None, **ERRORS})
    def delete(self, request, org_id):
        org = self.get_org(org_id)
        services.delete_organization(
            org=org, actor=self.actor, confirm_name=org.name, ip_address=self.ip_address
        )
        return Response(status=204)


class OrganizationByNameView(ManagementView):
    required_scopes = {"GET": scopes.READ_ORGANIZATIONS}

    @extend_schema(
        operation_id="organizations_get_by_name",
        responses={200: OrganizationSerializer, **ERRORS},
    )
    def get(self, request, name):
        return Response(render_org(self.reachable(Organization.objects.filter(name=name).first())))


class EnabledConnectionsView(ManagementView):
    """The org's enabled single sign-on connections (OpenID Connect and SAML)."""

    required_scopes = {"GET": scopes.READ_ORGANIZATIONS}

    @extend_schema(
        operation_id="organizations_enabled_connections",
        responses={200: EnabledConnectionSerializer(many=True), **ERRORS},
    )
    def get(self, request, org_id):
        org = self.get_org(org_id)
        return Response(
            [enabled_connection_body(c) for c in sso_selectors.enabled_connections(org)]
        )

"""Orgportal's own: an organization's child organizations and its seat usage."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from organizations import seats, services
from organizations.models import Organization

from .. import pagination, scopes
from ..serializers import (
    ChildCreateSerializer,
    ChildPageSerializer,
    ChildSerializer,
    SeatsSerializer,
    child_body,
)
from .base import ManagementView
from .organizations import ERRORS, LIST_FIELDS, PAGING_PARAMETERS, page_of, validated


class ChildListView(ManagementView):
    required_scopes = {"GET": scopes.READ_ORGANIZATIONS, "POST": scopes.CREATE_ORGANIZATIONS}

    @extend_schema(
        operation_id="organization_children_list",
        parameters=PAGING_PARAMETERS,
        responses={200: page_of(ChildSerializer, ChildPageSerializer, "ChildList"), **ERRORS},
    )
    def get(self, request, org_id):
        org = self.get_org(org_id)
        paging = pagination.parse(request.query_params)
        children = Organization.objects.filter(parent=org).only(
            *LIST_FIELDS, "kind", "status", "user_seat_limit", "device_seat_limit"
        )
        return Response(
            pagination.paginate(
                children,
                paging,
                key="organizations",
                order_field="name",
                serialize=lambda child: child_body(child, org),
            )
        )

    @extend_schema(
        operation_id="organization_children_create",
        request=ChildCreateSerializer,
        responses={201: ChildSerializer, **ERRORS},
    )
    def post(self, request, org_id):
        org = self.get_org(org_id)
        data = validated(ChildCreateSerializer, request.data)
        child = services.create_child_organization(
            parent=org,
            creator=self.actor,
            kind=data["kind"],
            display_name=data["display_name"],
            name=data.get("name") or "",
            admin_email=data["admin_email"],
            user_seats=data["user_seats"],
            device_seats=data["device_seats"],
            ip_address=self.ip_address,
        )
        return Response(child_body(child, org), status=201)


class SeatsView(ManagementView):
    required_scopes = {"GET": scopes.READ_ORGANIZATIONS}

    @extend_schema(
        operation_id="organization_seats_get", responses={200: SeatsSerializer, **ERRORS}
    )
    def get(self, request, org_id):
        org = self.get_org(org_id)
        usage = seats.all_usage(org)

        def body(item):
            return {
                "limit": item.limit,
                "used": item.used,
                "allotted": item.allotted,
                "available": item.available,
            }

        return Response({"users": body(usage[seats.USERS]), "devices": body(usage[seats.DEVICES])})

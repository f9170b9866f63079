"""`/`, `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`."""

from .. import protocol
from ..protocol import ScimError, json_response
from .base import ScimView


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

"""Shapes of the Management API, as Auth0's: they check the JSON's shape only.

Names, colours, metadata limits, seats and rights are the services' business; their
refusals come back through `errors.exception_handler`.
"""

from rest_framework import serializers

from organizations.models import Membership


class StrictCharField(serializers.CharField):
    """A JSON string only: numbers and booleans are refused, not turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


ROLE_IDS = {role: f"rol_{role}" for role in Membership.Role.values}
ROLES_BY_ID = {value: key for key, value in ROLE_IDS.items()}
ROLE_DESCRIPTIONS = {
    Membership.Role.OWNER: "Every right in the organization, including deleting it",
    Membership.Role.ADMIN: "Manages members, invitations, teams and settings",
    Membership.Role.MEMBER: "Sees the organization",
}


def user_id(user) -> str:
    return f"usr_{user.pk}"


def invitation_id(invitation) -> str:
    return f"uinv_{invitation.pk}"


def role_body(role: str) -> dict:
    return {
        "id": ROLE_IDS[role],
        "name": Membership.Role(role).label,
        "description": ROLE_DESCRIPTIONS[role],
    }


# --- organizations ----------------------------------------------------------------------


class ColorsSerializer(serializers.Serializer):
    primary = StrictCharField(required=False, allow_blank=True, max_length=7)
    page_background = StrictCharField(required=False, allow_blank=True, max_length=7)


class BrandingSerializer(serializers.Serializer):
    logo_url = StrictCharField(required=False, allow_blank=True, max_length=500)
    colors = ColorsSerializer(required=False)


class ConnectionSerializer(serializers.Serializer):
    connection_id = StrictCharField(max_length=50)
    assign_membership_on_login = serializers.BooleanField(required=False, default=False)


class MetadataField(serializers.DictField):
    child = StrictCharField(allow_blank=True, max_length=255)


class OrganizationCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=50)
    display_name = StrictCharField(required=False, allow_blank=True, max_length=255)
    branding = BrandingSerializer(required=False)
    metadata = MetadataField(required=False)
    # An org's SSO connections belong to it alone (its Single sign-on tab adds them):
    # a new org has none to enable. The shape is checked, and any id refused.
    enabled_connections = ConnectionSerializer(many=True, required=False)

    def validate_enabled_connections(self, value):
        if value:
            raise serializers.ValidationError(
                f"connection {value[0]['connection_id']} does not exist (an organization's "
                "connections are added on its Single sign-on page once it exists)."
            )
        return value


class OrganizationUpdateSerializer(serializers.Serializer):
    name = StrictCharField(required=False, max_length=50)
    display_name = StrictCharField(required=False, allow_blank=True, max_length=255)
    branding = BrandingSerializer(required=False)
    metadata = MetadataField(required=False)


def branding_fields(data: dict) -> dict:
    """The services' keyword arguments for Auth0's `branding` object."""
    fields = {}
    branding = data.get("branding")
    if branding is None:
        return fields
    if "logo_url" in branding:
        fields["logo_url"] = branding["logo_url"]
    colors = branding.get("colors") or {}
    if "primary" in colors:
        fields["primary_color"] = colors["primary"]
    if "page_background" in colors:
        fields["page_background_color"] = colors["page_background"]
    return fields


class OrganizationSerializer(serializers.Serializer):
    id = StrictCharField(source="public_id")
    name = StrictCharField()
    display_name = StrictCharField()
    branding = serializers.SerializerMethodField()
    metadata = serializers.DictField(child=StrictCharField())

    def get_branding(self, org) -> BrandingSerializer:
        branding = {}
        if org.logo_url:
            branding["logo_url"] = org.logo_url
        colors = {}
        if org.primary_color:
            colors["primary"] = org.primary_color
        if org.page_background_color:
            colors["page_background"] = org.page_background_color
        if colors:
            branding["colors"] = colors
        return branding


class ConnectionSummarySerializer(serializers.Serializer):
    name = StrictCharField()
    strategy = serializers.ChoiceField(choices=["oidc", "samlp"])


class EnabledConnectionSerializer(serializers.Serializer):
    connection_id = StrictCharField()
    assign_membership_on_login = serializers.BooleanField()
    connection = ConnectionSummarySerializer()


def enabled_connection_body(connection) -> dict:
    """Auth0's shape of an org's enabled connection; `strategy` names the protocol."""
    return {
        "connection_id": connection.provider_id,
        "assign_membership_on_login": connection.assign_membership_on_login,
        "connection": {
            "name": connection.name,
            "strategy": "samlp" if connection.provider_id.startswith("saml-") else "oidc",
        },
    }


class CreatedOrganizationSerializer(OrganizationSerializer):
    enabled_connections = serializers.SerializerMethodField()

    def get_enabled_connections(self, org) -> ConnectionSerializer(many=True):
        return []


class OrganizationPageSerializer(serializers.Serializer):
    organizations = OrganizationSerializer(many=True)
    start = serializers.IntegerField(required=False)
    limit = serializers.IntegerField(required=False)
    total = serializers.IntegerField(required=False)
    next = StrictCharField(required=False)


# --- members and roles ------------------------------------------------------------------


class RoleSerializer(serializers.Serializer):
    id = StrictCharField()
    name = StrictCharField()
    description = StrictCharField()


class MemberSerializer(serializers.Serializer):
    user_id = serializers.SerializerMethodField()
    email = serializers.EmailField(source="user.email")
    name = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    def get_user_id(self, membership) -> str:
        return user_id(membership.user)

    def get_name(self, membership) -> str:
        return membership.user.display_name

    def get_roles(self, membership) -> RoleSerializer(many=True):
        return [role_body(membership.role)]


class MemberPageSerializer(serializers.Serializer):
    members = MemberSerializer(many=True)
    start = serializers.IntegerField(required=False)
    limit = serializers.IntegerField(required=False)
    total = serializers.IntegerField(required=False)
    next = StrictCharField(required=False)


class MembersBodySerializer(serializers.Serializer):
    members = serializers.ListField(
        child=StrictCharField(max_length=64), min_length=1, max_length=10
    )


class RolesBodySerializer(serializers.Serializer):
    roles = serializers.ListField(child=StrictCharField(max_length=64), min_length=1, max_length=10)


# --- invitations ------------------------------------------------------------------------


class InviterSerializer(serializers.Serializer):
    name = StrictCharField(max_length=255)


class InviteeSerializer(serializers.Serializer):
    email = StrictCharField(max_length=320)


class InvitationCreateSerializer(serializers.Serializer):
    inviter = InviterSerializer()
    invitee = InviteeSerializer()
    client_id = StrictCharField(required=False, allow_blank=True, max_length=100)
    connection_id = StrictCharField(required=False, allow_blank=True, max_length=50)
    ttl_sec = serializers.IntegerField(required=False, min_value=0, max_value=2592000)
    roles = serializers.ListField(
        child=StrictCharField(max_length=64), required=False, max_length=1
    )
    send_invitation_email = serializers.BooleanField(required=False, default=True)
    app_metadata = serializers.DictField(required=False)
    user_metadata = serializers.DictField(required=False)


class InvitationSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    organization_id = StrictCharField(source="organization.public_id")
    inviter = serializers.SerializerMethodField()
    invitee = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    roles = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    def get_id(self, invitation) -> str:
        return invitation_id(invitation)

    def get_inviter(self, invitation) -> InviterSerializer:
        if invitation.inviter_name:
            name = invitation.inviter_name
        elif invitation.invited_by is not None:
            name = invitation.invited_by.display_name
        else:
            name = ""
        return {"name": name}

    def get_invitee(self, invitation) -> InviteeSerializer:
        return {"email": invitation.email}

    def get_roles(self, invitation) -> serializers.ListField(child=StrictCharField()):
        return [ROLE_IDS[invitation.role]]

    def get_status(self, invitation) -> str:
        return "expired" if invitation.is_expired else invitation.status


class CreatedInvitationSerializer(InvitationSerializer):
    invitation_url = serializers.SerializerMethodField()

    def get_invitation_url(self, invitation) -> str:
        return getattr(invitation, "link", "")


class InvitationPageSerializer(serializers.Serializer):
    invitations = InvitationSerializer(many=True)
    start = serializers.IntegerField(required=False)
    limit = serializers.IntegerField(required=False)
    total = serializers.IntegerField(required=False)
    next = StrictCharField(required=False)


# --- children and seats (Orgportal's own) -----------------------------------------------


class SeatUsageSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    used = serializers.IntegerField()
    allotted = serializers.IntegerField()
    available = serializers.IntegerField()


class SeatsSerializer(serializers.Serializer):
    users = SeatUsageSerializer()
    devices = SeatUsageSerializer()


class ChildSerializer(OrganizationSerializer):
    kind = StrictCharField()
    status = StrictCharField()
    parent_id = StrictCharField(source="parent.public_id")
    user_seat_limit = serializers.IntegerField()
    device_seat_limit = serializers.IntegerField()


class ChildPageSerializer(serializers.Serializer):
    organizations = ChildSerializer(many=True)
    start = serializers.IntegerField(required=False)
    limit = serializers.IntegerField(required=False)
    total = serializers.IntegerField(required=False)
    next = StrictCharField(required=False)


class ChildCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["group", "customer"])
    display_name = StrictCharField(max_length=255)
    name = StrictCharField(required=False, allow_blank=True, max_length=50)
    admin_email = StrictCharField(max_length=254)
    user_seats = serializers.IntegerField(min_value=0, max_value=1_000_000)
    device_seats = serializers.IntegerField(min_value=0, max_value=1_000_000)


class ErrorSerializer(serializers.Serializer):
    statusCode = serializers.IntegerField()
    error = StrictCharField()
    message = StrictCharField()
    errorCode = StrictCharField()


# --- bodies -----------------------------------------------------------------------------
# Plain functions build the answers: a DRF serializer per row costs more than the query
# of a whole page. The serializers above document the same shapes for the schema, and
# schemathesis (tests/api/test_schemathesis.py) checks that the two agree.


def org_body(org) -> dict:
    branding = {}
    if org.logo_url:
        branding["logo_url"] = org.logo_url
    colors = {}
    if org.primary_color:
        colors["primary"] = org.primary_color
    if org.page_background_color:
        colors["page_background"] = org.page_background_color
    if colors:
        branding["colors"] = colors
    return {
        "id": org.public_id,
        "name": org.name,
        "display_name": org.display_name,
        "branding": branding,
        "metadata": org.metadata or {},
    }


def child_body(child, parent) -> dict:
    return {
        **org_body(child),
        "kind": child.kind,
        "status": child.status,
        "parent_id": parent.public_id,
        "user_seat_limit": child.user_seat_limit,
        "device_seat_limit": child.device_seat_limit,
    }


def member_body(membership) -> dict:
    user = membership.user
    return {
        "user_id": user_id(user),
        "email": user.email,
        "name": user.display_name,
        "roles": [role_body(membership.role)],
    }


def invitation_body(invitation, org) -> dict:
    if invitation.inviter_name:
        inviter = invitation.inviter_name
    elif invitation.invited_by is not None:
        inviter = invitation.invited_by.display_name
    else:
        inviter = ""
    return {
        "id": invitation_id(invitation),
        "organization_id": org.public_id,
        "inviter": {"name": inviter},
        "invitee": {"email": invitation.email},
        "created_at": _datetime(invitation.created_at),
        "expires_at": _datetime(invitation.expires_at),
        "roles": [ROLE_IDS[invitation.role]],
        "status": "expired" if invitation.is_expired else invitation.status,
    }


# One field for every row: building a DRF field costs more than formatting a date.
_DATETIME_FIELD = serializers.DateTimeField()


def _datetime(value) -> str:
    return _DATETIME_FIELD.to_representation(value)

"""Reads of the SCIM API: the org's token by its secret, users and teams as resources.

Every list is two queries however long (the page and its count), plus one for the
members of a page of teams.
"""

import uuid

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from organizations.models import Membership, Organization, Team

from .models import ScimToken, ScimUser
from .protocol import Filter
from .tokens import hash_token, looks_like_token

# A token's last use is written at most this often, not on every request.
LAST_USED_RESOLUTION_SECONDS = 60


def token_for(org_name: str, raw_token: str) -> ScimToken | None:
    """The live token `raw_token` of the org named `org_name`, or None.

    A revoked or rotated token, another org's token and an unknown org all give None
    alike, so the answer says nothing of which orgs exist.
    """
    if not looks_like_token(raw_token):
        return None
    token = (
        ScimToken.objects.filter(
            token_hash=hash_token(raw_token), revoked_at__isnull=True, organization__name=org_name
        )
        .select_related("organization", "created_by")
        .first()
    )
    if token is not None:
        now = timezone.now()
        if (
            token.last_used_at is None
            or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
        ):
            ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


def tokens_of(org: Organization) -> QuerySet[ScimToken]:
    """The org's tokens, live first, newest first, with their creators."""
    return (
        ScimToken.objects.filter(organization=org)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at", "-id")
    )


def scim_users(org: Organization) -> QuerySet[ScimUser]:
    """The org's provisioned users, with their accounts and whether they are members."""
    return (
        ScimUser.objects.filter(organization=org)
        .select_related("user")
        .annotate(
            is_member=Exists(
                Membership.objects.filter(organization_id=org.pk, user_id=OuterRef("user_id"))
            )
        )
        .order_by("created_at", "id")
    )


def filter_users(users: QuerySet[ScimUser], found: Filter | None) -> QuerySet[ScimUser]:
    if found is None:
        return users
    if found.attribute in ("username", "emails", "emails.value"):
        return users.filter(user__email__iexact=found.value)
    if found.attribute == "externalid":
        return users.filter(external_id=found.value)
    if found.attribute == "id":
        return users.filter(scim_id__in=_uuid_or_nothing(found.value))
    return users.none()


def teams(org: Organization) -> QuerySet[Team]:
    """The org's teams with their members' accounts, in one extra query per page."""
    return (
        Team.objects.filter(organization=org)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Membership.objects.select_related("user").order_by("user__email"),
            )
        )
        .order_by("created_at", "id")
    )


def filter_teams(found_teams: QuerySet[Team], found: Filter | None) -> QuerySet[Team]:
    if found is None:
        return found_teams
    if found.attribute == "displayname":
        return found_teams.filter(name__iexact=found.value)
    if found.attribute == "id":
        return found_teams.filter(pk__in=_team_id_or_nothing(found.value))
    return found_teams.none()


def scim_ids_by_user(org: Organization, user_ids) -> dict[int, str]:
    """`{user id: SCIM user id}` for the provisioned users among `user_ids`."""
    return {
        user_id: str(scim_id)
        for user_id, scim_id in ScimUser.objects.filter(
            organization=org, user_id__in=set(user_ids)
        ).values_list("user_id", "scim_id")
    }


def _team_id_or_nothing(value: str) -> list[int]:
    # A team id is a positive 64-bit integer; anything else names no team.
    return [int(value)] if value.isascii() and value.isdigit() and len(value) < 19 else []


def _uuid_or_nothing(value: str) -> list[str]:
    try:
        return [str(uuid.UUID(value))]
    except ValueError:
        return []

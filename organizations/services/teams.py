"""Teams: named groups of an org's members. Every org has a default team."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..audit import record_event
from ..errors import NotAllowed, OrganizationError
from ..models import Membership, Organization, Team
from ..permissions import Action
from ._common import lock_and_authorize, org_member

TEAM_NAME_MAX_LENGTH = 100


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the team a name.", code="required")
    if len(name) > TEAM_NAME_MAX_LENGTH:
        raise ValidationError("Use at most 100 characters.", code="max_length")
    return name


def _save_team(team: Team) -> None:
    if (
        Team.objects.filter(organization_id=team.organization_id, name__iexact=team.name)
        .exclude(pk=team.pk)
        .exists()
    ):
        raise ValidationError("A team with this name exists already.", code="name_taken")
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError as exc:
        raise ValidationError("A team with this name exists already.", code="name_taken") from exc


def _team_of(org: Organization, team: Team) -> Team:
    found = Team.objects.filter(organization=org, pk=team.pk).first()
    if found is None:
        raise OrganizationError("This team no longer exists.", code="team_gone")
    return found


@transaction.atomic
def create_team(*, org: Organization, actor, name: str, ip_address: str | None = None) -> Team:
    """Create a team in `org`."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_TEAMS)
    team = Team(organization=org, name=_clean_name(name))
    _save_team(team)
    record_event(
        org=org, actor=actor, action="team.create", target=team.name, ip_address=ip_address
    )
    return team


@transaction.atomic
def rename_team(
    *, org: Organization, actor, team: Team, name: str, ip_address: str | None = None
) -> Team:
    """Rename a team, the default team included."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_TEAMS)
    team = _team_of(org, team)
    previous = team.name
    team.name = _clean_name(name)
    if team.name == previous:
        return team
    _save_team(team)
    record_event(
        org=org,
        actor=actor,
        action="team.rename",
        target=team.name,
        detail={"from": previous, "to": team.name},
        ip_address=ip_address,
    )
    return team


@transaction.atomic
def delete_team(*, org: Organization, actor, team: Team, ip_address: str | None = None) -> None:
    """Delete a team (never the default team); its members stay in the org."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_TEAMS)
    team = _team_of(org, team)
    if team.is_default:
        raise NotAllowed("The default team cannot be deleted.", code="default_team")
    name, size = team.name, team.members.count()
    team.delete()
    record_event(
        org=org,
        actor=actor,
        action="team.delete",
        target=name,
        detail={"members": size},
        ip_address=ip_address,
    )


@transaction.atomic
def add_team_member(
    *, org: Organization, actor, team: Team, membership: Membership, ip_address: str | None = None
) -> None:
    """Put a member of `org` into `team`."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_TEAMS)
    team = _team_of(org, team)
    member = org_member(org, membership)
    if team.members.filter(pk=member.pk).exists():
        raise OrganizationError(f"{member.user.email} is in this team already.", code="in_team")
    team.members.add(member)
    record_event(
        org=org,
        actor=actor,
        action="team.member_add",
        target=member.user.email,
        detail={"team": team.name},
        ip_address=ip_address,
    )


@transaction.atomic
def remove_team_member(
    *, org: Organization, actor, team: Team, membership: Membership, ip_address: str | None = None
) -> None:
    """Take a member out of `team`; they stay in the org."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_TEAMS)
    team = _team_of(org, team)
    member = org_member(org, membership)
    if not team.members.filter(pk=member.pk).exists():
        raise OrganizationError(f"{member.user.email} is not in this team.", code="not_in_team")
    team.members.remove(member)
    record_event(
        org=org,
        actor=actor,
        action="team.member_remove",
        target=member.user.email,
        detail={"team": team.name},
        ip_address=ip_address,
    )

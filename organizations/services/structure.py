"""Organizational units (optional, nestable) and workspaces (in the org, optionally in a unit).

A unit's sub-units and workspaces are never dropped silently: deleting a unit that
holds any asks the caller to move them up to the unit's parent or to delete them.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..audit import record_event
from ..errors import OrganizationError
from ..models import Membership, Organization, OrganizationalUnit, Workspace
from ..permissions import Action
from ._common import lock_and_authorize, org_member

NAME_MAX_LENGTH = 100

MOVE_UP = "move_up"
DELETE_CONTENTS = "delete"
UNIT_DELETE_STRATEGIES = (MOVE_UP, DELETE_CONTENTS)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give it a name.", code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError("Use at most 100 characters.", code="max_length")
    return name


def _save_named(obj, model) -> None:
    taken = (
        model.objects.filter(organization_id=obj.organization_id, name__iexact=obj.name)
        .exclude(pk=obj.pk)
        .exists()
    )
    message = f"A {model._meta.verbose_name} with this name exists already."
    if taken:
        raise ValidationError(message, code="name_taken")
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(message, code="name_taken") from exc


def _unit_of(org: Organization, unit: OrganizationalUnit | None) -> OrganizationalUnit | None:
    if unit is None:
        return None
    found = OrganizationalUnit.objects.filter(organization=org, pk=unit.pk).first()
    if found is None:
        raise OrganizationError("This unit no longer exists.", code="unit_gone")
    return found


def _workspace_of(org: Organization, workspace: Workspace) -> Workspace:
    found = Workspace.objects.filter(organization=org, pk=workspace.pk).first()
    if found is None:
        raise OrganizationError("This workspace no longer exists.", code="workspace_gone")
    return found


def unit_descendant_ids(org: Organization, unit: OrganizationalUnit) -> set[int]:
    """Ids of every unit below `unit` (one query: an org's units are few)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in OrganizationalUnit.objects.filter(organization=org).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [unit.pk]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@transaction.atomic
def create_unit(
    *,
    org: Organization,
    actor,
    name: str,
    parent: OrganizationalUnit | None = None,
    ip_address: str | None = None,
) -> OrganizationalUnit:
    """Create an organizational unit, at the top or inside `parent`."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_STRUCTURE)
    parent = _unit_of(org, parent)
    unit = OrganizationalUnit(organization=org, parent=parent, name=_clean_name(name))
    _save_named(unit, OrganizationalUnit)
    record_event(
        org=org,
        actor=actor,
        action="unit.create",
        target=unit.name,
        detail={"parent": parent.name if parent else None},
        ip_address=ip_address,
    )
    return unit


@transaction.atomic
def update_unit(
    *,
    org: Organization,
    actor,
    unit: OrganizationalUnit,
    name: str,
    parent: OrganizationalUnit | None,
    ip_address: str | None = None,
) -> OrganizationalUnit:
    """Rename `unit` and/or move it under `parent` (None: the top); never under itself."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_STRUCTURE)
    unit = _unit_of(org, unit)
    parent = _unit_of(org, parent)
    if parent is not None and (parent.pk == unit.pk or parent.pk in unit_descendant_ids(org, unit)):
        raise ValidationError("A unit cannot move inside itself.", code="cycle")
    changed = {}
    new_name = _clean_name(name)
    if new_name != unit.name:
        changed["name"] = {"from": unit.name, "to": new_name}
        unit.name = new_name
    if (parent.pk if parent else None) != unit.parent_id:
        old_parent = unit.parent.name if unit.parent_id else None
        changed["parent"] = {"from": old_parent, "to": parent.name if parent else None}
        unit.parent = parent
    if changed:
        _save_named(unit, OrganizationalUnit)
        action = "unit.move" if set(changed) == {"parent"} else "unit.edit"
        record_event(
            org=org,
            actor=actor,
            action=action,
            target=unit.name,
            detail={"changed": changed},
            ip_address=ip_address,
        )
    return unit


@transaction.atomic
def delete_unit(
    *,
    org: Organization,
    actor,
    unit: OrganizationalUnit,
    strategy: str | None = None,
    ip_address: str | None = None,
) -> None:
    """Delete `unit`. If it holds sub-units or workspaces, `strategy` says what happens to them.

    `move_up`: they move to the unit's parent (or to the top). `delete`: the unit's
    whole subtree, workspaces included, is deleted. Without a strategy a non-empty unit
    is refused.
    """
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_STRUCTURE)
    unit = _unit_of(org, unit)
    subtree = unit_descendant_ids(org, unit)
    all_units = {unit.pk} | subtree
    direct_units = OrganizationalUnit.objects.filter(parent=unit)
    direct_workspaces = Workspace.objects.filter(unit=unit)
    holds_anything = direct_units.exists() or direct_workspaces.exists()
    detail = {}
    if holds_anything:
        if strategy not in UNIT_DELETE_STRATEGIES:
            raise OrganizationError(
                "This unit holds units or workspaces: choose whether to move them up or "
                "delete them.",
                code="strategy_required",
            )
        detail["strategy"] = strategy
        if strategy == MOVE_UP:
            detail["moved_units"] = sorted(direct_units.values_list("name", flat=True))
            detail["moved_workspaces"] = sorted(direct_workspaces.values_list("name", flat=True))
            direct_units.update(parent_id=unit.parent_id)
            direct_workspaces.update(unit_id=unit.parent_id)
        else:
            doomed_workspaces = Workspace.objects.filter(unit_id__in=all_units)
            detail["deleted_units"] = sorted(
                OrganizationalUnit.objects.filter(pk__in=subtree).values_list("name", flat=True)
            )
            detail["deleted_workspaces"] = sorted(doomed_workspaces.values_list("name", flat=True))
            doomed_workspaces.delete()
            # Deepest first, so RESTRICT on `parent` never fires.
            _delete_units_bottom_up(org, subtree)
    name = unit.name
    unit.delete()
    record_event(
        org=org,
        actor=actor,
        action="unit.delete",
        target=name,
        detail=detail,
        ip_address=ip_address,
    )


def _delete_units_bottom_up(org: Organization, unit_ids: set[int]) -> None:
    remaining = set(unit_ids)
    while remaining:
        leaves = set(
            OrganizationalUnit.objects.filter(pk__in=remaining)
            .exclude(children__isnull=False)
            .values_list("pk", flat=True)
        )
        if not leaves:  # pragma: no cover - a tree always has leaves
            raise OrganizationError("The unit tree is inconsistent.", code="tree_cycle")
        OrganizationalUnit.objects.filter(pk__in=leaves).delete()
        remaining -= leaves


@transaction.atomic
def create_workspace(
    *,
    org: Organization,
    actor,
    name: str,
    unit: OrganizationalUnit | None = None,
    ip_address: str | None = None,
) -> Workspace:
    """Create a workspace in `org`, optionally inside `unit`."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_STRUCTURE)
    unit = _unit_of(org, unit)
    workspace = Workspace(organization=org, unit=unit, name=_clean_name(name))
    _save_named(workspace, Workspace)
    record_event(
        org=org,
        actor=actor,
        action="workspace.create",
        target=workspace.name,
        detail={"unit": unit.name if unit else None},
        ip_address=ip_address,
    )
    return workspace


@transaction.atomic
def update_workspace(
    *,
    org: Organization,
    actor,
    workspace: Workspace,
    name: str,
    unit: OrganizationalUnit | None,
    ip_address: str | None = None,
) -> Workspace:
    """Rename `workspace` and/or move it into `unit` (None: directly in the org)."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_STRUCTURE)
    workspace = _workspace_of(org, workspace)
    unit = _unit_of(org, unit)
    changed = {}
    new_name = _clean_name(name)
    if new_name != workspace.name:
        changed["name"] = {"from": workspace.name, "to": new_name}
        workspace.name = new_name
    if (unit.pk if unit else None) != workspace.unit_id:
        old_unit = workspace.unit.name if workspace.unit_id else None
        changed["unit"] = {"from": old_unit, "to": unit.name if unit else None}
        workspace.unit = unit
    if changed:
        _save_named(workspace, Workspace)
        action = "workspace.move" if set(changed) == {"unit"} else "workspace.edit"
        record_event(
            org=org,
            actor=actor,
            action=action,
            target=workspace.name,
            detail={"changed": changed},
            ip_address=ip_address,
        )
    return workspace


@transaction.atomic
def delete_workspace(
    *, org: Organization, actor, workspace: Workspace, ip_address: str | None = None
) -> None:
    """Delete a workspace; its members stay in the org."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_STRUCTURE)
    workspace = _workspace_of(org, workspace)
    name = workspace.name
    workspace.delete()
    record_event(
        org=org, actor=actor, action="workspace.delete", target=name, ip_address=ip_address
    )


@transaction.atomic
def add_workspace_member(
    *,
    org: Organization,
    actor,
    workspace: Workspace,
    membership: Membership,
    ip_address: str | None = None,
) -> None:
    """Assign a member of `org` to `workspace`."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_STRUCTURE)
    workspace = _workspace_of(org, workspace)
    member = org_member(org, membership)
    if workspace.members.filter(pk=member.pk).exists():
        raise OrganizationError(
            f"{member.user.email} is in this workspace already.", code="in_workspace"
        )
    workspace.members.add(member)
    record_event(
        org=org,
        actor=actor,
        action="workspace.member_add",
        target=member.user.email,
        detail={"workspace": workspace.name},
        ip_address=ip_address,
    )


@transaction.atomic
def remove_workspace_member(
    *,
    org: Organization,
    actor,
    workspace: Workspace,
    membership: Membership,
    ip_address: str | None = None,
) -> None:
    """Take a member out of `workspace`; they stay in the org."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_STRUCTURE)
    workspace = _workspace_of(org, workspace)
    member = org_member(org, membership)
    if not workspace.members.filter(pk=member.pk).exists():
        raise OrganizationError(
            f"{member.user.email} is not in this workspace.", code="not_in_workspace"
        )
    workspace.members.remove(member)
    record_event(
        org=org,
        actor=actor,
        action="workspace.member_remove",
        target=member.user.email,
        detail={"workspace": workspace.name},
        ip_address=ip_address,
    )

"""Business rules of organizations: one function per use case.

Views, admin actions, tasks and commands call these; they never repeat a rule.
The package is split by subject; every public name is importable from here.
"""

from .approvals import (
    approve_organization,
    approve_organizations,
    create_organization_for,
    notify_platform_admins,
    reject_organization,
    resubmit_organization,
)
from .billed_seats import SeatsInUse, ensure_limit_covers_usage, set_billed_seat_limits
from .children import (
    change_allotment,
    change_customer_pool,
    check_allotment,
    check_seat_limits,
    create_child_organization,
    set_reseller,
)
from .devices import register_device, remove_device
from .lifecycle import (
    DEFAULT_TEAM_NAME,
    EDITABLE_FIELDS,
    add_member,
    create_organization,
    create_unowned_organization,
    delete_organization,
    set_seat_limits,
    suggest_org_name,
    update_organization,
)
from .members import (
    change_role,
    leave_organization,
    remove_member,
    update_member,
    update_member_name,
)
from .security import (
    EmailDomainNotAllowed,
    check_email_allowed,
    send_mfa_reminders,
    update_security_policy,
)
from .structure import (
    DELETE_CONTENTS,
    MOVE_UP,
    add_workspace_member,
    create_unit,
    create_workspace,
    delete_unit,
    delete_workspace,
    remove_workspace_member,
    unit_descendant_ids,
    update_unit,
    update_workspace,
)
from .suspension import lift_suspension, suspend_organization
from .teams import (
    add_team_member,
    create_team,
    delete_team,
    remove_team_member,
    rename_team,
)

__all__ = [
    "DEFAULT_TEAM_NAME",
    "DELETE_CONTENTS",
    "EDITABLE_FIELDS",
    "MOVE_UP",
    "EmailDomainNotAllowed",
    "SeatsInUse",
    "add_member",
    "add_team_member",
    "add_workspace_member",
    "approve_organization",
    "approve_organizations",
    "change_allotment",
    "change_customer_pool",
    "change_role",
    "check_allotment",
    "check_email_allowed",
    "check_seat_limits",
    "create_child_organization",
    "create_organization",
    "create_organization_for",
    "create_team",
    "create_unit",
    "create_unowned_organization",
    "create_workspace",
    "delete_organization",
    "delete_team",
    "delete_unit",
    "delete_workspace",
    "ensure_limit_covers_usage",
    "leave_organization",
    "lift_suspension",
    "notify_platform_admins",
    "register_device",
    "reject_organization",
    "remove_device",
    "remove_member",
    "remove_team_member",
    "remove_workspace_member",
    "rename_team",
    "resubmit_organization",
    "send_mfa_reminders",
    "set_billed_seat_limits",
    "set_reseller",
    "set_seat_limits",
    "suggest_org_name",
    "suspend_organization",
    "unit_descendant_ids",
    "update_member",
    "update_member_name",
    "update_organization",
    "update_security_policy",
    "update_unit",
    "update_workspace",
]

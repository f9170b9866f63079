"""Thin class-based views: a mixin resolves the org, a service does the work."""

from .approvals import (
    ApprovalApproveView,
    ApprovalDetailView,
    ApprovalQueueView,
    ApprovalRejectView,
    StaffOrganizationCreateView,
)
from .children import ChildOrganizationCreateView, ChildOrganizationListView, ChildSeatsView
from .devices import DeviceListView, DeviceRegisterView, DeviceRemoveView
from .members import (
    LeaveView,
    MemberEditView,
    MemberListView,
    MemberRemoveView,
    RolesView,
)
from .organizations import (
    AuditLogView,
    HomeView,
    OrganizationCreateView,
    OrganizationDashboardView,
    OrganizationDeleteView,
    OrganizationListView,
    OrganizationSettingsView,
    ResubmitView,
)
from .structure import (
    StructureView,
    UnitCreateView,
    UnitDeleteView,
    UnitEditView,
    WorkspaceCreateView,
    WorkspaceDeleteView,
    WorkspaceDetailView,
    WorkspaceEditView,
    WorkspaceMemberRemoveView,
)
from .teams import (
    TeamCreateView,
    TeamDeleteView,
    TeamDetailView,
    TeamListView,
    TeamMemberRemoveView,
    TeamRenameView,
)

__all__ = [
    "ApprovalApproveView",
    "ApprovalDetailView",
    "ApprovalQueueView",
    "ApprovalRejectView",
    "AuditLogView",
    "ChildOrganizationCreateView",
    "ChildOrganizationListView",
    "ChildSeatsView",
    "DeviceListView",
    "DeviceRegisterView",
    "DeviceRemoveView",
    "HomeView",
    "LeaveView",
    "MemberEditView",
    "MemberListView",
    "MemberRemoveView",
    "OrganizationCreateView",
    "OrganizationDashboardView",
    "OrganizationDeleteView",
    "OrganizationListView",
    "OrganizationSettingsView",
    "ResubmitView",
    "RolesView",
    "StaffOrganizationCreateView",
    "StructureView",
    "TeamCreateView",
    "TeamDeleteView",
    "TeamDetailView",
    "TeamListView",
    "TeamMemberRemoveView",
    "TeamRenameView",
    "UnitCreateView",
    "UnitDeleteView",
    "UnitEditView",
    "WorkspaceCreateView",
    "WorkspaceDeleteView",
    "WorkspaceDetailView",
    "WorkspaceEditView",
    "WorkspaceMemberRemoveView",
]

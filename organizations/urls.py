from django.urls import path

from . import views

app_name = "organizations"

ORG_PREFIX = "o/<slug:org_name>/"


def org_path(route: str, view, name: str):
    """A URL inside one org. Kept flat (no include()) so every pattern names its org."""
    return path(ORG_PREFIX + route, view, name=name)


org_patterns = [
    org_path("", views.OrganizationDashboardView.as_view(), "dashboard"),
    org_path("children/", views.ChildOrganizationListView.as_view(), "children"),
    org_path("children/new/", views.ChildOrganizationCreateView.as_view(), "child_create"),
    org_path("children/<slug:child_name>/seats/", views.ChildSeatsView.as_view(), "child_seats"),
    org_path("devices/", views.DeviceListView.as_view(), "devices"),
    org_path("devices/new/", views.DeviceRegisterView.as_view(), "device_register"),
    org_path("devices/<int:device_id>/remove/", views.DeviceRemoveView.as_view(), "device_remove"),
    org_path("settings/", views.OrganizationSettingsView.as_view(), "settings"),
    org_path("audit/", views.AuditLogView.as_view(), "audit"),
    org_path("audit/export.csv", views.AuditExportView.as_view(), "audit_export"),
    org_path("delete/", views.OrganizationDeleteView.as_view(), "delete"),
    org_path("leave/", views.LeaveView.as_view(), "leave"),
    org_path("resubmit/", views.ResubmitView.as_view(), "resubmit"),
    org_path("roles/", views.RolesView.as_view(), "roles"),
    org_path("security/", views.SecurityPolicyView.as_view(), "security"),
    org_path("members/mfa-reminders/", views.MfaReminderView.as_view(), "mfa_reminders"),
    org_path("members/", views.MemberListView.as_view(), "members"),
    org_path("members/<int:member_id>/", views.MemberEditView.as_view(), "member_edit"),
    org_path(
        "members/<int:member_id>/remove/",
        views.MemberRemoveView.as_view(),
        "member_remove",
    ),
    org_path("teams/", views.TeamListView.as_view(), "teams"),
    org_path("teams/new/", views.TeamCreateView.as_view(), "team_create"),
    org_path("teams/<int:team_id>/", views.TeamDetailView.as_view(), "team"),
    org_path("teams/<int:team_id>/rename/", views.TeamRenameView.as_view(), "team_rename"),
    org_path("teams/<int:team_id>/delete/", views.TeamDeleteView.as_view(), "team_delete"),
    org_path(
        "teams/<int:team_id>/members/<int:member_id>/remove/",
        views.TeamMemberRemoveView.as_view(),
        "team_member_remove",
    ),
    org_path("structure/", views.StructureView.as_view(), "structure"),
    org_path("structure/units/new/", views.UnitCreateView.as_view(), "unit_create"),
    org_path("structure/units/<int:unit_id>/", views.UnitEditView.as_view(), "unit_edit"),
    org_path(
        "structure/units/<int:unit_id>/delete/",
        views.UnitDeleteView.as_view(),
        "unit_delete",
    ),
    org_path(
        "structure/workspaces/new/",
        views.WorkspaceCreateView.as_view(),
        "workspace_create",
    ),
    org_path(
        "structure/workspaces/<int:workspace_id>/",
        views.WorkspaceDetailView.as_view(),
        "workspace",
    ),
    org_path(
        "structure/workspaces/<int:workspace_id>/edit/",
        views.WorkspaceEditView.as_view(),
        "workspace_edit",
    ),
    org_path(
        "structure/workspaces/<int:workspace_id>/delete/",
        views.WorkspaceDeleteView.as_view(),
        "workspace_delete",
    ),
    org_path(
        "structure/workspaces/<int:workspace_id>/members/<int:member_id>/remove/",
        views.WorkspaceMemberRemoveView.as_view(),
        "workspace_member_remove",
    ),
]

urlpatterns = [
    path("orgs/", views.OrganizationListView.as_view(), name="list"),
    path("orgs/new/", views.OrganizationCreateView.as_view(), name="create"),
    path("orgs/mfa-required/", views.MfaRequiredView.as_view(), name="mfa_required"),
    path("staff/approvals/", views.ApprovalQueueView.as_view(), name="approvals"),
    path(
        "staff/approvals/<str:public_id>/",
        views.ApprovalDetailView.as_view(),
        name="approval_detail",
    ),
    path(
        "staff/orgs/<str:public_id>/suspend/",
        views.SuspendView.as_view(),
        name="suspend",
    ),
    path(
        "staff/orgs/<str:public_id>/lift-suspension/",
        views.LiftSuspensionView.as_view(),
        name="lift_suspension",
    ),
    path(
        "staff/approvals/<str:public_id>/approve/",
        views.ApprovalApproveView.as_view(),
        name="approval_approve",
    ),
    path(
        "staff/approvals/<str:public_id>/reject/",
        views.ApprovalRejectView.as_view(),
        name="approval_reject",
    ),
    path(
        "staff/organizations/new/",
        views.StaffOrganizationCreateView.as_view(),
        name="staff_create",
    ),
    *org_patterns,
]

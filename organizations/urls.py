from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("orgs/", views.OrganizationListView.as_view(), name="list"),
    path("orgs/new/", views.OrganizationCreateView.as_view(), name="create"),
    path("o/<slug:org_name>/", views.OrganizationDashboardView.as_view(), name="dashboard"),
    path(
        "o/<slug:org_name>/settings/",
        views.OrganizationSettingsView.as_view(),
        name="settings",
    ),
    path("o/<slug:org_name>/audit/", views.AuditLogView.as_view(), name="audit"),
    path(
        "o/<slug:org_name>/children/",
        views.ChildOrganizationListView.as_view(),
        name="children",
    ),
    path(
        "o/<slug:org_name>/children/new/",
        views.ChildOrganizationCreateView.as_view(),
        name="child_create",
    ),
    path(
        "o/<slug:org_name>/children/<slug:child_name>/seats/",
        views.ChildSeatsView.as_view(),
        name="child_seats",
    ),
    path("o/<slug:org_name>/devices/", views.DeviceListView.as_view(), name="devices"),
    path(
        "o/<slug:org_name>/devices/new/",
        views.DeviceRegisterView.as_view(),
        name="device_register",
    ),
    path(
        "o/<slug:org_name>/devices/<int:device_id>/remove/",
        views.DeviceRemoveView.as_view(),
        name="device_remove",
    ),
]

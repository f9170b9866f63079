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
]

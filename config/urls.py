from django.contrib import admin
from django.urls import include, path

from organizations import views as org_views

admin.site.site_header = "Orgportal administration"
admin.site.site_title = "Orgportal admin"

urlpatterns = [
    path("", org_views.HomeView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/profile/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("organizations.urls")),
    path("", include("invitations.urls")),
    # Billing: an org's billing pages and the payment provider's webhooks.
    path("", include("billing.urls")),
    # Management API (issue 12): /oauth/token and /api/v2/
    path("", include("api.urls")),
]

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from organizations import views as org_views

admin.site.site_header = "Orgportal administration"
admin.site.site_title = "Orgportal admin"

urlpatterns = [
    path("", org_views.HomeView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/profile/", include("accounts.urls")),
    # allauth.usersessions' own list: the Security area's sessions page replaces it.
    path("accounts/sessions/", RedirectView.as_view(pattern_name="accounts:sessions")),
    # Two-factor pages the portal replaces; before allauth's, at the same addresses.
    path("accounts/2fa/", include("accounts.mfa_urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("organizations.urls")),
    path("", include("invitations.urls")),
    # Billing: an org's billing pages and the payment provider's webhooks.
    path("", include("billing.urls")),
    # Management API (issue 12): /oauth/token and /api/v2/
    path("", include("api.urls")),
    # SCIM provisioning: the Provisioning tab and /scim/v2/<org>/.
    path("", include("scim.urls")),
]

# Enterprise sign-in (sso/): the org's login page and its "Single sign-on" tab.
urlpatterns.insert(0, path("", include("sso.urls")))

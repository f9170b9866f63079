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
]

# Enterprise sign-in (sso/): the org's login page and its "Single sign-on" tab.
urlpatterns.insert(0, path("", include("sso.urls")))

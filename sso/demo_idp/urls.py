"""The demo provider's URLs: allauth's OpenID Provider beside the portal's own pages."""

from django.urls import include, path

from config.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("", include("allauth.idp.urls")),
    *portal_urlpatterns,
]

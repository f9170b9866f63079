from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.ProfileView.as_view(), name="profile"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("security/two-factor/off/", views.TurnOffTwoFactorView.as_view(), name="two_factor_off"),
]

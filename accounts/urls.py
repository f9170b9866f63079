from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.ProfileView.as_view(), name="profile"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("security/sessions/", views.SessionListView.as_view(), name="sessions"),
    path(
        "security/sessions/end-others/",
        views.SessionEndOthersView.as_view(),
        name="sessions_end_others",
    ),
    path(
        "security/sessions/<int:session_id>/end/",
        views.SessionEndView.as_view(),
        name="session_end",
    ),
    path("security/two-factor/off/", views.TurnOffTwoFactorView.as_view(), name="two_factor_off"),
]

"""allauth.mfa pages the portal replaces, at allauth's own addresses (included before
allauth's URLs): recovery codes shown once then downloadable for a while, and the last
second factor removed only through "turn off two-factor authentication"."""

from django.urls import path

from . import views

urlpatterns = [
    path("recovery-codes/", views.RecoveryCodesView.as_view(), name="mfa_view_recovery_codes"),
    path(
        "recovery-codes/download/",
        views.RecoveryCodesDownloadView.as_view(),
        name="mfa_download_recovery_codes",
    ),
    path(
        "webauthn/keys/<int:pk>/remove/",
        views.RemoveWebAuthnView.as_view(),
        name="mfa_remove_webauthn",
    ),
]

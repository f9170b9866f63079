from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("o/<slug:org_name>/billing/", views.BillingOverviewView.as_view(), name="overview"),
    path("o/<slug:org_name>/billing/plan/", views.PlanView.as_view(), name="plan"),
    path("o/<slug:org_name>/billing/seats/", views.SeatsView.as_view(), name="seats"),
    path("o/<slug:org_name>/billing/details/", views.DetailsView.as_view(), name="details"),
    path("o/<slug:org_name>/billing/card/", views.CardView.as_view(), name="card"),
    path(
        "o/<slug:org_name>/billing/card/remove/", views.CardRemoveView.as_view(), name="card_remove"
    ),
    path("billing/webhooks/stripe/", views.WebhookView.as_view(), name="webhook"),
]

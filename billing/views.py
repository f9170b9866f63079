"""The Billing tab (owners only) and the provider's webhook endpoint.

Every page shows what was stored from the provider's answers and webhooks; only the
card page (a SetupIntent) and the changes themselves call the provider. Every change
asks for the password again (allauth re-authentication).
"""

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, TemplateView

from organizations.errors import OrganizationError
from organizations.mixins import OrgAccessMixin, client_ip, require_recent_password
from organizations.permissions import Action, matrix_role, role_allows

from . import gateway, selectors, services, webhooks
from .forms import BillingDetailsForm, CardForm, PlanForm, SeatsForm
from .models import BillingAccount

logger = logging.getLogger(__name__)


class BillingAccessMixin(OrgAccessMixin):
    """Owners only: admins are told they may not (403), members and outsiders get 404.

    Groups draw from their parent's pool and have no billing page (404).
    """

    required_post_action = Action.MANAGE_BILLING

    def resolve_objects(self):
        super().resolve_objects()
        role = matrix_role(self.membership)
        if self.org.is_group or not role_allows(role, Action.MANAGE_MEMBERS):
            raise Http404("No billing here.")
        if not role_allows(role, Action.MANAGE_BILLING):
            raise PermissionDenied("Only owners manage billing.")

    def billing_context(self) -> dict:
        return {
            "active_tab": "billing",
            "billing_configured": gateway.is_configured(),
            "account": getattr(self, "account", None),
        }

    def load_account(self):
        self.account = selectors.account_for(self.org)
        return self.account

    def success(self, message: str):
        messages.success(self.request, message)
        return redirect("billing:overview", org_name=self.org.name)


def _show_refusal(form, exc: Exception, field: str | None = None) -> None:
    if isinstance(exc, ValidationError):
        form.add_error(field if field in form.fields else None, exc.messages)
    else:
        form.add_error(field if field in form.fields else None, exc.message)


class BillingOverviewView(BillingAccessMixin, TemplateView):
    template_name = "billing/overview.html"

    def get_context_data(self, **kwargs):
        account = self.load_account()
        paginator = Paginator(selectors.invoices_of(account), settings.BILLING_INVOICES_PAGE_SIZE)
        page_obj = paginator.get_page(self.request.GET.get("page"))
        seats_form = None
        if account is not None and account.plan is not None:
            seats_form = SeatsForm(
                plan=account.plan, initial={"user_seats": self.org.user_seat_limit}
            )
        return super().get_context_data(
            **self.billing_context(),
            seats=selectors.user_seats(self.org),
            invoices=page_obj,
            page_obj=page_obj,
            paginator=paginator,
            is_paginated=page_obj.has_other_pages(),
            seats_form=seats_form,
            **kwargs,
        )


class BillingChangeView(BillingAccessMixin, FormView):
    """A billing change: the password is asked again, for the page and for the change."""

    error_field: str | None = None

    # After OrgAccessMixin's dispatch, so outsiders get 404 rather than a password prompt.
    def get(self, request, *args, **kwargs):
        require_recent_password(request)
        return self.not_applicable() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        require_recent_password(request)
        return self.not_applicable() or super().post(request, *args, **kwargs)

    def not_applicable(self):
        """A redirect with a message when this page makes no sense now (no plan, no card)."""
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.billing_context(), **kwargs)

    def perform(self, form) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except (OrganizationError, ValidationError) as exc:
            _show_refusal(form, exc, self.error_field)
            return self.form_invalid(form)
        except gateway.ProviderError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return self.success(message)


class PlanView(BillingChangeView):
    template_name = "billing/plan.html"
    form_class = PlanForm
    error_field = "user_seats"

    def get_initial(self):
        account = self.load_account()
        plan = account.plan if account else None
        return {"plan": plan, "user_seats": self.org.user_seat_limit}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            seats=selectors.user_seats(self.org),
            plans=selectors.offered_plans(),
            **kwargs,
        )

    def perform(self, form):
        plan, seats = form.cleaned_data["plan"], form.cleaned_data["user_seats"]
        services.change_plan(
            org=self.org,
            actor=self.request.user,
            plan=plan,
            user_seats=seats,
            ip_address=client_ip(self.request),
        )
        return f"{self.org.display_name} is on the {plan.name} plan with {seats} user seats."


class SeatsView(BillingChangeView):
    template_name = "billing/seats.html"
    form_class = SeatsForm
    error_field = "user_seats"

    def not_applicable(self):
        account = self.load_account()
        if account is None or account.plan is None:
            messages.info(self.request, "Choose a plan first; then buy seats on it.")
            return redirect("billing:plan", org_name=self.org.name)
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan": self.account.plan}

    def get_initial(self):
        return {"user_seats": self.org.user_seat_limit}

    def get_context_data(self, **kwargs):
        return super().get_context_data(seats=selectors.user_seats(self.org), **kwargs)

    def perform(self, form):
        seats = form.cleaned_data["user_seats"]
        before = self.org.user_seat_limit
        services.change_seats(
            org=self.org,
            actor=self.request.user,
            user_seats=seats,
            ip_address=client_ip(self.request),
        )
        if seats > before:
            return f"Bought {seats - before} more user seats: {self.org.display_name} has {seats}."
        if seats < before:
            return f"Gave back {before - seats} user seats: {self.org.display_name} has {seats}."
        return f"{self.org.display_name} keeps {seats} user seats."


class DetailsView(BillingChangeView):
    template_name = "billing/details.html"
    form_class = BillingDetailsForm

    def get_form_kwargs(self):
        account = self.load_account() or BillingAccount(organization=self.org)
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = account
        if account.pk is None and not kwargs.get("data"):
            kwargs["initial"] = {
                "contact_email": self.org.primary_email or self.request.user.email,
                "cardholder_name": self.request.user.get_full_name(),
            }
        return kwargs

    def perform(self, form):
        details = {field: form.cleaned_data[field] for field in services.DETAIL_FIELDS}
        services.update_billing_details(
            org=self.org, actor=self.request.user, ip_address=client_ip(self.request), **details
        )
        return "The billing details were saved."


class CardView(BillingChangeView):
    """Stripe.js Elements collects the card; we get back the SetupIntent's id, never the card."""

    template_name = "billing/card.html"
    form_class = CardForm

    def get(self, request, *args, **kwargs):
        require_recent_password(request)
        self.load_account()
        self.setup = None
        self.setup_error = None
        if gateway.is_configured():
            try:
                self.setup = services.start_card_setup(org=self.org, actor=request.user)
            except (OrganizationError, gateway.ProviderError) as exc:
                self.setup_error = exc.message
        return super(BillingChangeView, self).get(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if gateway.is_configured():
            # Only this page lets Stripe.js in (django-csp reads `_csp_update`).
            response._csp_update = gateway.csp_sources()
        return response

    def get_context_data(self, **kwargs):
        if not hasattr(self, "account"):
            self.load_account()
        return super().get_context_data(
            setup=getattr(self, "setup", None),
            setup_error=getattr(self, "setup_error", None),
            stripe_js_url=settings.STRIPE_JS_URL,
            publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            **kwargs,
        )

    def form_invalid(self, form):
        # A new SetupIntent for another try: the old one may be spent.
        if gateway.is_configured():
            try:
                self.setup = services.start_card_setup(org=self.org, actor=self.request.user)
            except (OrganizationError, gateway.ProviderError) as exc:
                self.setup_error = exc.message
        return super().form_invalid(form)

    def perform(self, form):
        account = services.save_card(
            org=self.org,
            actor=self.request.user,
            setup_intent_id=form.cleaned_data["setup_intent"],
            ip_address=client_ip(self.request),
        )
        return f"The card {account.card_label} is on file."


class CardRemoveView(BillingChangeView):
    """Confirm, then remove the card; refused while anything is due."""

    template_name = "billing/card_remove.html"
    form_class = forms.Form

    def not_applicable(self):
        account = self.load_account()
        if account is None or not account.has_card:
            messages.info(self.request, "There is no card on file.")
            return redirect("billing:overview", org_name=self.org.name)
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(blocked=services.amount_due_reason(self.account), **kwargs)

    def perform(self, form):
        services.remove_card(
            org=self.org, actor=self.request.user, ip_address=client_ip(self.request)
        )
        return "The card was removed."


@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    """The provider's events: 400 on a bad signature (nothing changed), 200 once applied."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            outcome = webhooks.handle_payload(request.body, request.headers.get("Stripe-Signature"))
        except webhooks.InvalidWebhook as exc:
            logger.warning("billing webhook refused: %s", exc)
            return HttpResponseBadRequest("Invalid signature or payload.")
        return HttpResponse(outcome, content_type="text/plain")


def overview_url(org) -> str:
    return reverse("billing:overview", args=[org.name])

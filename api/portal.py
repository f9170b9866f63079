"""The org's "API clients" page: owners and admins create, rotate and revoke clients;
every member sees them (name, id, scopes, last used), never a secret.

A new secret is shown once, on the page the create or rotate redirects to: it rides in
the session for that one request, then only its hash is left.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView

from organizations.errors import OrganizationError
from organizations.mixins import OrgAccessMixin, client_ip
from organizations.permissions import Action

from . import clients
from .forms import OrgClientForm
from .models import ApiClient

SECRET_SESSION_KEY = "api_client_secret_once"


class ApiClientListView(OrgAccessMixin, FormView):
    required_action = Action.VIEW
    required_post_action = Action.MANAGE_API_CLIENTS
    template_name = "api/client_list.html"
    form_class = OrgClientForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["api_clients"] = (
            ApiClient.objects.filter(organization=self.org)
            .select_related("client", "created_by")
            .order_by("revoked_at", "-created_at")
        )
        context["new_secret"] = self.request.session.pop(SECRET_SESSION_KEY, None)
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def form_valid(self, form):
        try:
            api_client, secret = clients.create_org_client(
                org=self.org,
                actor=self.request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                ip_address=client_ip(self.request),
            )
        except OrganizationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        remember_secret(self.request, api_client, secret)
        messages.success(self.request, f"API client “{api_client.client.name}” created.")
        return redirect("api:clients", org_name=self.org.name)


def remember_secret(request, api_client: ApiClient, secret: str) -> None:
    request.session[SECRET_SESSION_KEY] = {
        "name": api_client.client.name,
        "client_id": api_client.client_id,
        "client_secret": secret,
    }


class ApiClientActionView(OrgAccessMixin, TemplateView):
    """Confirm, then rotate or revoke one of the org's clients."""

    required_action = Action.MANAGE_API_CLIENTS

    def resolve_objects(self) -> None:
        self.api_client = get_object_or_404(
            ApiClient.objects.select_related("client"),
            organization=self.org,
            pk=self.kwargs["client_id"],
            revoked_at__isnull=True,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(api_client=self.api_client, **kwargs)


class ApiClientRotateView(ApiClientActionView):
    template_name = "api/client_rotate.html"

    def post(self, request, *args, **kwargs):
        api_client, secret = clients.rotate_client_secret(
            api_client=self.api_client, actor=request.user, ip_address=client_ip(request)
        )
        remember_secret(request, api_client, secret)
        messages.success(request, f"A new secret for “{api_client.client.name}”.")
        return redirect("api:clients", org_name=self.org.name)


class ApiClientRevokeView(ApiClientActionView):
    template_name = "api/client_revoke.html"

    def post(self, request, *args, **kwargs):
        api_client = clients.revoke_client(
            api_client=self.api_client, actor=request.user, ip_address=client_ip(request)
        )
        messages.success(request, f"API client “{api_client.client.name}” revoked.")
        return redirect("api:clients", org_name=self.org.name)

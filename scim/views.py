"""The Provisioning tab: owners create, rotate and revoke the org's SCIM token.

A new token is shown once, in the answer to the POST that made it (never stored in
plain text, never put in a URL or the session), with `Cache-Control: no-store`.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from organizations.errors import OrganizationError
from organizations.mixins import OrgAccessMixin, client_ip
from organizations.permissions import Action

from . import selectors, services
from .models import ScimToken

PAGE_TEMPLATE = "scim/provisioning.html"


class ProvisioningMixin(OrgAccessMixin):
    required_action = Action.MANAGE_PROVISIONING

    def provisioning_context(self) -> dict:
        tokens = list(selectors.tokens_of(self.org)[:20])
        base = self.request.build_absolute_uri(reverse("scim:root", args=[self.org.name]))
        return {
            "live_token": next((t for t in tokens if t.is_live), None),
            "old_tokens": [t for t in tokens if not t.is_live],
            "scim_base_url": base.rstrip("/"),
        }

    def show_new_token(self, raw: str):
        """The tab with the new token, this once; never cached."""
        context = self.get_context_data(**self.provisioning_context(), new_token=raw)
        response = self.response_class(
            request=self.request,
            template=[PAGE_TEMPLATE],
            context=context,
            using=self.template_engine,
        )
        # 201: something was created (and a refusal's 200 never changes anything).
        response.status_code = 201
        response["Cache-Control"] = "no-store"
        return response

    def back(self):
        return redirect("scim:provisioning", org_name=self.org.name)


class ProvisioningView(ProvisioningMixin, TemplateView):
    """GET: the token's state and the SCIM base URL; POST: create the org's token."""

    template_name = PAGE_TEMPLATE

    def get_context_data(self, **kwargs):
        if "live_token" not in kwargs:
            kwargs.update(self.provisioning_context())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        try:
            _token, raw = services.create_token(
                org=self.org, actor=request.user, ip_address=client_ip(request)
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
            return self.back()
        return self.show_new_token(raw)


class TokenActionView(ProvisioningMixin, TemplateView):
    """GET: ask to confirm; POST: rotate or revoke the token named in the URL."""

    template_name = "scim/token_confirm.html"
    action = "revoke"

    def resolve_objects(self):
        self.token = self.get_org_object(ScimToken, "token_id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(token=self.token, action=self.action, **kwargs)

    def post(self, request, *args, **kwargs):
        common = {"org": self.org, "actor": request.user, "token": self.token}
        try:
            if self.action == "rotate":
                _token, raw = services.rotate_token(**common, ip_address=client_ip(request))
            else:
                services.revoke_token(**common, ip_address=client_ip(request))
        except OrganizationError as exc:
            messages.error(request, exc.message)
            return self.back()
        if self.action == "rotate":
            return self.show_new_token(raw)
        messages.success(
            request, "SCIM token revoked: the identity provider is refused from now on."
        )
        return self.back()

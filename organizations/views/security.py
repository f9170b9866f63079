"""The Security tab (the org's policy), MFA reminders, and the MFA set-up gate."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from .. import security, selectors, services
from ..errors import OrganizationError
from ..forms import MfaReminderForm, SecurityPolicyForm
from ..mixins import OrgAccessMixin, client_ip, require_recent_password
from ..permissions import Action
from .base import OrgServiceFormView, paginate


class SecurityPolicyView(OrgServiceFormView):
    """Owners set the org's security policy; the page also lists who does not meet it."""

    required_action = Action.MANAGE_SECURITY
    template_name = "organizations/security.html"
    form_class = SecurityPolicyForm

    def post(self, request, *args, **kwargs):
        # Loosening the policy from a stolen session is what it guards against.
        require_recent_password(request, self.org)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["default_reauthentication_minutes"] = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT // 60
        return kwargs

    def get_initial(self):
        policy = security.policy_of(self.org)
        if policy is None:
            return {}
        return {
            "require_mfa": policy.require_mfa,
            "allowed_email_domains": "\n".join(policy.allowed_email_domains),
            "session_lifetime_hours": policy.session_lifetime_hours,
            "reauthentication_minutes": policy.reauthentication_minutes,
        }

    def get_context_data(self, **kwargs):
        policy = security.policy_of(self.org)
        outside = selectors.members_outside_domains(
            self.org, policy.allowed_email_domains if policy else []
        )
        page = paginate(self.request, outside, per_page=50)
        return super().get_context_data(
            policy=policy,
            outside_members=page["page_obj"],
            without_mfa_count=selectors.members_without_mfa(self.org).count(),
            **page,
            **kwargs,
        )

    def perform(self, form) -> str:
        data = form.cleaned_data
        # Field errors (a bad domain, the lock-out guard) go next to their field.
        services.update_security_policy(
            org=self.org,
            actor=self.request.user,
            require_mfa=data["require_mfa"],
            allowed_email_domains=data["allowed_email_domains"],
            session_lifetime_hours=data["session_lifetime_hours"],
            reauthentication_minutes=data["reauthentication_minutes"],
            ip_address=client_ip(self.request),
        )
        return "Security policy saved."

    def get_success_url(self):
        return reverse("organizations:security", kwargs={"org_name": self.org.name})


class MfaReminderView(OrgAccessMixin, View):
    """POST only: email members without MFA (one, or all) a reminder; once a day each."""

    required_action = Action.MANAGE_SECURITY
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = MfaReminderForm(request.POST)
        back = reverse("organizations:members", kwargs={"org_name": self.org.name}) + "?mfa=missing"
        if not form.is_valid():
            messages.error(request, "Pick a member to remind.")
            return HttpResponseRedirect(back)
        member = form.cleaned_data["member"]
        try:
            result = services.send_mfa_reminders(
                org=self.org,
                actor=request.user,
                member_ids=None if member is None else [member],
                ip_address=client_ip(request),
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        sent, skipped = result["sent"], result["skipped"]
        if sent:
            messages.success(
                request,
                f"Reminder sent to {len(sent)} member{'s' if len(sent) != 1 else ''}: "
                + ", ".join(sent[:10])
                + ("…" if len(sent) > 10 else ""),
            )
        if skipped:
            messages.info(
                request,
                f"Already reminded in the last 24 hours, not sent again: {', '.join(skipped[:10])}"
                + ("…" if len(skipped) > 10 else ""),
            )
        if not sent and not skipped:
            messages.info(request, "Nobody to remind: every member picked has MFA.")
        return HttpResponseRedirect(back)


class MfaRequiredView(LoginRequiredMixin, TemplateView):
    """Where an org that requires MFA sends a member without it; back to the org once done.

    The org and the page they were opening are in the session (set by the org mixin),
    so this page names nothing the user could not see already.
    """

    template_name = "organizations/mfa_required.html"

    def get(self, request, *args, **kwargs):
        gate = request.session.get(security.MFA_GATE_SESSION_KEY)
        gate = gate if isinstance(gate, dict) else {}
        if security.user_has_mfa(request.user):
            request.session.pop(security.MFA_GATE_SESSION_KEY, None)
            next_url = str(gate.get("next") or "")
            if next_url and url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                return HttpResponseRedirect(next_url)
            return redirect("organizations:list")
        return self.render_to_response(self.get_context_data(gate_org=gate.get("org", "")))

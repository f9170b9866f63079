import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes import views as allauth_recovery_views
from allauth.mfa.webauthn import views as allauth_webauthn_views
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView, UpdateView

from . import selectors, services, sessions
from .forms import PasswordAndCodeForm, ProfileForm
from .useragents import describe_user_agent


class ProfileView(LoginRequiredMixin, UpdateView):
    """The signed-in user's name and account type (personal or business)."""

    form_class = ProfileForm
    template_name = "accounts/profile.html"

    def get_object(self, queryset=None):
        return self.request.user

    def form_valid(self, form):
        messages.success(self.request, "Profile saved.")
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("accounts:profile")


class SecurityView(LoginRequiredMixin, TemplateView):
    """What protects the account: password, two-factor authentication, signed-in sessions,
    each with the page that changes it."""

    template_name = "accounts/security.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.security_overview(self.request.user), **kwargs)


class SessionListView(LoginRequiredMixin, TemplateView):
    """Every session signed in to the account, most recently seen first, 25 a page."""

    template_name = "accounts/sessions.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        paginator = Paginator(sessions.live_sessions(self.request.user), self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        return super().get_context_data(
            sessions=page.object_list,
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            session_count=paginator.count,
            **kwargs,
        )


class SessionEndView(LoginRequiredMixin, TemplateView):
    """Sign out one session, after a confirmation; someone else's session id is a 404."""

    template_name = "accounts/session_end.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.target = get_object_or_404(
                UserSession, pk=kwargs["session_id"], user_id=request.user.pk
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, **kwargs)

    def post(self, request, *args, **kwargs):
        device = describe_user_agent(self.target.user_agent)
        if sessions.end_session(request, self.target):
            messages.info(request, "You signed out this session.")
            return redirect("account_login")
        messages.success(request, f"{device} ({self.target.ip}) is signed out.")
        return redirect("accounts:sessions")


class SessionEndOthersView(LoginRequiredMixin, TemplateView):
    """Sign out every session but this one, after a confirmation."""

    template_name = "accounts/sessions_end_others.html"

    def get_context_data(self, **kwargs):
        others = [s for s in sessions.live_sessions(self.request.user) if not s.is_current()]
        return super().get_context_data(other_count=len(others), **kwargs)

    def post(self, request, *args, **kwargs):
        ended = sessions.end_other_sessions(request, request.user)
        if ended:
            messages.success(
                request,
                f"{ended} other session{pluralize(ended)} signed out. This one stays signed in.",
            )
        else:
            messages.info(request, "No other session was signed in.")
        return redirect("accounts:sessions")


class TurnOffTwoFactorView(LoginRequiredMixin, FormView):
    """Turn two-factor authentication off: every factor goes, after the password and a
    code (from the authenticator app, or a recovery code)."""

    form_class = PasswordAndCodeForm
    template_name = "accounts/two_factor_off.html"

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and not Authenticator.objects.filter(user=request.user).exists()
        ):
            messages.info(request, "Two-factor authentication is already off.")
            return redirect("accounts:security")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        services.turn_off_two_factor(user=self.request.user, request=self.request)
        messages.success(
            self.request,
            "Two-factor authentication is off: your authenticator app, security keys, "
            "passkeys and recovery codes no longer sign you in.",
        )
        return redirect("accounts:security")


class RemoveWebAuthnView(allauth_webauthn_views.RemoveWebAuthnView):
    """allauth's page that removes a security key or passkey; removing the last second
    factor is turning two-factor authentication off, which asks for more."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            key = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            if services.is_last_primary_factor(key):
                messages.info(
                    request,
                    f"“{key}” is your last second factor: removing it turns two-factor "
                    "authentication off. Confirm with your password and a recovery code.",
                )
                return redirect("accounts:two_factor_off")
        return super().dispatch(request, *args, **kwargs)


RECOVERY_DOWNLOAD_SESSION_KEY = "accounts.recovery_codes_download"
RECOVERY_DOWNLOAD_SECONDS = 600


class RecoveryCodesView(allauth_recovery_views.ViewRecoveryCodesView):
    """allauth's recovery-codes page: the codes are shown once (MFA_RECOVERY_CODES_SHOW_ONCE),
    and may be downloaded for a few minutes after that one showing."""

    template_name = "mfa/recovery_codes/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["can_view_codes"] and context["unused_codes"]:
            rc = Authenticator.objects.get(
                user=self.request.user, type=Authenticator.Type.RECOVERY_CODES
            )
            self.request.session[RECOVERY_DOWNLOAD_SESSION_KEY] = {
                "id": rc.pk,
                "until": time.time() + RECOVERY_DOWNLOAD_SECONDS,
            }
            context["can_download_codes"] = True
        return context


class RecoveryCodesDownloadView(LoginRequiredMixin, View):
    """The codes just shown, as a text file; afterwards only new codes can be had."""

    def get(self, request):
        grant = request.session.get(RECOVERY_DOWNLOAD_SESSION_KEY) or {}
        rc = Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.RECOVERY_CODES, pk=grant.get("id")
        ).first()
        if rc is None or grant.get("until", 0) < time.time():
            raise PermissionDenied(
                "Recovery codes can be downloaded only right after they are shown. "
                "Generate new codes to get a file."
            )
        codes = rc.wrap().get_unused_codes()
        response = HttpResponse(
            "".join(f"{code}\n" for code in codes), content_type="text/plain; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="orgportal-recovery-codes.txt"'
        response["Cache-Control"] = "no-store"
        return response

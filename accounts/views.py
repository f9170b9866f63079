from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.generic import TemplateView, UpdateView

from . import selectors, sessions
from .forms import ProfileForm
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

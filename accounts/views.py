from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.views.generic import TemplateView, UpdateView

from . import selectors
from .forms import ProfileForm


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

"""The one place that turns `/o/<org_name>/…` into an org the user may see, or a 404."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .permissions import Action, OrgPermissions, membership_allows
from .selectors import membership_for


def client_ip(request) -> str | None:
    """The client's address; behind a trusted proxy, the first X-Forwarded-For entry."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class OrgAccessMixin(LoginRequiredMixin):
    """Resolve the org named in the URL among the user's memberships.

    Someone who is not a member gets 404, whatever the org's existence; a member
    whose role does not allow `required_action` gets 403.
    """

    required_action = Action.VIEW
    org_url_kwarg = "org_name"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = membership_for(request.user, kwargs[self.org_url_kwarg])
        if membership is None:
            raise Http404("No organization found.")
        self.membership = membership
        self.org = membership.organization
        if not membership_allows(membership, self.required_action):
            raise PermissionDenied("Your role in this organization does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            org=self.org,
            membership=self.membership,
            permissions=OrgPermissions(self.membership),
        )
        return context

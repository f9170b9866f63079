"""The one place that turns `/o/<org_name>/…` into an org the user may see, or a 404."""

from dataclasses import dataclass, field

from allauth.core.exceptions import ReauthenticationRequired
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from . import hooks, security
from .models import Membership, Organization
from .permissions import (
    Action,
    OrgPermissions,
    membership_allows,
    suspended_reason,
    suspension_blocks,
)
from .recent import remember_org
from .selectors import membership_for


def client_ip(request) -> str | None:
    """The client's address; behind a trusted proxy, the first X-Forwarded-For entry."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


@dataclass
class OrgAccess:
    """What an org page knows about the signed-in user in the org of its URL.

    Loaded once per request by `OrgAccessMixin`, in one query: the membership (or
    the access inherited from a parent org), the org row with its parent, and the
    per-request values other apps register with `hooks.register_access_annotation`
    (in `state`, by name). Views read it as `self.access`, templates as
    `org_access` (and, as before, `org`, `membership`, `permissions`). Anything every
    org page shows or checks (a banner, a policy) reads from here and adds no query.
    """

    org: Organization
    membership: Membership
    permissions: OrgPermissions
    state: dict = field(default_factory=dict)

    @classmethod
    def of(cls, membership: Membership) -> "OrgAccess":
        return cls(
            org=membership.organization,
            membership=membership,
            permissions=OrgPermissions(membership),
            state=hooks.access_state(membership),
        )

    @property
    def inherited(self) -> bool:
        """Access through an owner's or admin's role in a parent org, not a membership."""
        return self.membership.pk is None


class OrgAccessMixin(LoginRequiredMixin):
    """Resolve the org named in the URL among the user's memberships.

    Someone who is not a member gets 404, whatever the org's existence; so does an
    object id (team, member, unit, workspace) that does not belong to this org. A
    member whose role does not allow `required_action` gets 403.

    Membership is read from the database on every request, never cached: a role
    change or a removal takes effect on the member's very next request.
    """

    required_action = Action.VIEW
    # A page everyone may read but only some may submit: the action a POST needs too.
    required_post_action: str | None = None
    org_url_kwarg = "org_name"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = membership_for(request.user, kwargs[self.org_url_kwarg])
        if membership is None:
            raise Http404("No organization found.")
        self.access = OrgAccess.of(membership)
        self.membership = membership
        self.org = membership.organization
        gate = enforce_security_policy(request, membership)
        if gate is not None:
            return gate
        self.resolve_objects()
        if suspension_blocks(self.org, self.required_action) or (
            request.method == "POST"
            and self.required_post_action
            and suspension_blocks(self.org, self.required_post_action)
        ):
            raise PermissionDenied(suspended_reason(self.org))
        if not membership_allows(membership, self.required_action):
            raise PermissionDenied("Your role in this organization does not allow this.")
        if (
            request.method == "POST"
            and self.required_post_action
            and not membership_allows(membership, self.required_post_action)
        ):
            raise PermissionDenied("Your role in this organization does not allow this.")
        for check in hooks.access_checks():
            refused = check(request, self.access)
            if refused is not None:
                return refused
        response = super().dispatch(request, *args, **kwargs)
        if membership.pk is not None:
            remember_org(request, response, self.org.name)
        return response

    def resolve_objects(self) -> None:
        """Load the objects named in the URL with `get_org_object`; runs before the role check."""

    def get_org_object(self, model, url_kwarg: str, queryset=None):
        """The object whose pk is in `url_kwarg`, if it belongs to this org; 404 otherwise."""
        queryset = model._default_manager.all() if queryset is None else queryset
        return get_object_or_404(queryset, organization=self.org, pk=self.kwargs[url_kwarg])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            org_access=self.access,
            org=self.org,
            membership=self.membership,
            permissions=self.access.permissions,
        )
        return context


def enforce_security_policy(request, membership):
    """Apply the org's security policy before anything of the org is shown.

    A member without MFA in an org that requires it is sent to set it up (and back
    here afterwards); a sign-in older than the org's session lifetime asks for the
    password again (allauth's re-authentication, which replays the request). Returns
    the redirect, raises ReauthenticationRequired, or returns None to let them in.
    Costs no query: the policy and the member's MFA came with the membership.
    """
    org = membership.organization
    if security.mfa_blocks(membership):
        request.session[security.MFA_GATE_SESSION_KEY] = {
            "org": org.display_name,
            "org_name": org.name,
            "next": request.get_full_path() if request.method == "GET" else org_home(org),
        }
        return redirect("organizations:mfa_required")
    if security.session_expired(request, org):
        raise ReauthenticationRequired()
    gate = request.session.get(security.MFA_GATE_SESSION_KEY)
    if isinstance(gate, dict) and gate.get("org_name") == org.name:
        # Through at last: the set-up page has nothing more to send them back to.
        del request.session[security.MFA_GATE_SESSION_KEY]
    return None


def org_home(org) -> str:
    return reverse("organizations:dashboard", kwargs={"org_name": org.name})


def require_recent_password(request, org=None) -> None:
    """Ask for the password again (allauth re-authentication) unless it was given lately.

    "Lately" is the org's re-authentication window (its security policy), or the
    portal's default (`ACCOUNT_REAUTHENTICATION_TIMEOUT`). Raises allauth's
    `ReauthenticationRequired`; its middleware redirects to the password prompt and
    replays the request (a POST included) afterwards.
    """
    if not security.recently_reauthenticated(request, security.reauthentication_seconds(org)):
        raise ReauthenticationRequired()

"""Requests to join: asking from the org's login page, deciding on the members' side."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import ListView, TemplateView

from organizations.errors import OrganizationError
from organizations.hooks import MemberListLink
from organizations.mixins import OrgAccessMixin, client_ip
from organizations.permissions import Action, membership_allows

from . import join_requests, selectors
from .forms import RequestToJoinForm
from .models import JoinRequest
from .views import DomainJoinView

PAGE_SIZE = 50
# Who decides on requests to join: whoever may let people in by invitation.
DECIDE_ACTION = Action.INVITE


def _list_url(org) -> str:
    return reverse("sso:join_requests", kwargs={"org_name": org.name})


def join_requests_link(*, org, membership) -> MemberListLink | None:
    """The members page's "Join requests" link (see `organizations.hooks`), for deciders,
    when the org asks people to request or has requests pending."""
    if not membership_allows(membership, DECIDE_ACTION):
        return None
    counts = selectors.join_request_counts(org)
    if not counts["pending"] and not counts["asks_to_join"]:
        return None
    return MemberListLink(
        label="Join requests",
        url=_list_url(org),
        count=counts["pending"],
        testid="join-requests-link",
    )


class RequestToJoinView(DomainJoinView):
    """POST: a signed-in user of a verified domain asks to join an "ask to join" org."""

    may_join = staticmethod(selectors.may_request_to_join)

    def post(self, request, org_name: str):
        org = self.org
        form = RequestToJoinForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("message", ["Check the message."])))
            return redirect("sso:org_login", org_name=org.name)
        try:
            join_requests.request_to_join(
                actor=request.user,
                org=org,
                message=form.cleaned_data["message"],
                ip_address=client_ip(request),
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Your request to join {org.display_name} is pending: an owner or admin "
                "decides, and you will get an email.",
            )
        return redirect("sso:org_login", org_name=org.name)


class JoinRequestsMixin(OrgAccessMixin):
    required_action = DECIDE_ACTION


class JoinRequestListView(JoinRequestsMixin, ListView):
    """`/o/<name>/members/join-requests/`: pending requests (or decided ones), newest first."""

    template_name = "sso/join_requests.html"
    context_object_name = "join_requests"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        status = self.request.GET.get("status", "")
        self.status = status if status in JoinRequest.Status.values else JoinRequest.Status.PENDING
        return selectors.join_requests_of(self.org, status=self.status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            status=self.status,
            statuses=JoinRequest.Status.choices,
            is_pending_list=self.status == JoinRequest.Status.PENDING,
            **kwargs,
        )


class JoinRequestObjectMixin:
    """Loads the request named by `request_id`, if it belongs to this org."""

    def resolve_objects(self) -> None:
        self.join_request = self.get_org_object(
            JoinRequest, "request_id", JoinRequest.objects.select_related("user", "organization")
        )


def _error_text(exc: Exception) -> str:
    if isinstance(exc, OrganizationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class JoinRequestApproveView(JoinRequestObjectMixin, JoinRequestsMixin, View):
    """POST: approve; the requester joins as a member, taking a user seat."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            decided = join_requests.approve_join_request(
                actor=request.user, join_request=self.join_request, ip_address=client_ip(request)
            )
        except (OrganizationError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"{decided.email} joined {self.org.display_name}.")
        return redirect(_list_url(self.org))


class JoinRequestDeclineView(JoinRequestObjectMixin, JoinRequestsMixin, TemplateView):
    """GET: confirm; POST: decline the request."""

    template_name = "sso/join_request_decline.html"

    def get(self, request, *args, **kwargs):
        if not self.join_request.is_pending:
            messages.info(
                request,
                f"The request from {self.join_request.email} was already "
                f"{self.join_request.get_status_display().lower()}.",
            )
            return redirect(_list_url(self.org))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(join_request=self.join_request, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            decided = join_requests.decline_join_request(
                actor=request.user, join_request=self.join_request, ip_address=client_ip(request)
            )
        except (OrganizationError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"The request from {decided.email} was declined.")
        return redirect(_list_url(self.org))

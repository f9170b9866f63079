"""The staff area of the portal: the approval queue and creating orgs for others.

Everyone who may not use a page gets 404 (anonymous visitors are sent to sign in),
so the staff area does not reveal itself.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from .. import permissions, selectors, services
from ..errors import OrganizationError
from ..forms import RejectForm, StaffOrganizationCreateForm, SuspendForm
from ..mixins import client_ip
from ..models import PUBLIC_ID_PATTERN, Organization
from .base import add_service_error


class StaffOnlyMixin(LoginRequiredMixin):
    """404 for every signed-in user `allowed(user)` refuses."""

    def allowed(self, user) -> bool:
        return permissions.can_approve_organizations(user)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request.user):
            raise Http404("No such page.")
        return super().dispatch(request, *args, **kwargs)


class StaffTargetMixin:
    """A staff form about one org (`self.target`). Listed after the staff mixin, it loads
    the org only for those that mixin lets in: everyone else gets the staff area's 404."""

    target = None

    def get_target(self, public_id: str) -> Organization:  # pragma: no cover - abstract
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        self.target = self.get_target(kwargs["public_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, **kwargs)


class ApprovalQueueView(StaffOnlyMixin, ListView):
    """Pending requests, oldest first; approve one, several (bulk) or reject with a reason."""

    template_name = "organizations/approval_queue.html"
    context_object_name = "requests"
    paginate_by = settings.ORGPORTAL_PAGE_SIZE

    def get_queryset(self):
        return selectors.approval_queue()

    def post(self, request, *args, **kwargs):
        # Only well-formed ids reach the database (a NUL byte would make PostgreSQL fail).
        ids = [i for i in request.POST.getlist("org") if PUBLIC_ID_PATTERN.fullmatch(i)]
        orgs = Organization.objects.filter(
            public_id__in=ids, status=Organization.Status.PENDING
        ).order_by("pk")
        if not ids:
            messages.warning(request, "Select the requests to approve.")
            return redirect("organizations:approvals")
        count = services.approve_organizations(
            orgs=list(orgs), actor=request.user, ip_address=client_ip(request)
        )
        messages.success(request, f"{count} organization{'s' if count != 1 else ''} approved.")
        return redirect("organizations:approvals")


class ApprovalDetailView(StaffOnlyMixin, TemplateView):
    """One request in full: the org's details and metadata, the requester's account and
    the org's history, with the decision buttons while it is pending."""

    template_name = "organizations/approval_detail.html"

    def allowed(self, user) -> bool:
        return permissions.can_approve_organizations(user) or permissions.can_suspend_organizations(
            user
        )

    def get_context_data(self, **kwargs):
        request_data = selectors.approval_request(self.kwargs["public_id"])
        if request_data is None:
            raise Http404("No such organization request.")
        return super().get_context_data(
            **request_data,
            can_suspend=permissions.can_suspend_organizations(self.request.user),
            **kwargs,
        )


class SuspenderOnlyMixin(StaffOnlyMixin):
    """404 for everyone but platform admins with the suspend permission."""

    def allowed(self, user) -> bool:
        return permissions.can_suspend_organizations(user)


class SuspendView(SuspenderOnlyMixin, StaffTargetMixin, FormView):
    """Ask for the reason, then suspend the org: read-only for its members until lifted."""

    template_name = "organizations/suspend.html"
    form_class = SuspendForm

    def get_target(self, public_id: str) -> Organization:
        return get_object_or_404(Organization, public_id=public_id)

    def form_valid(self, form):
        try:
            services.suspend_organization(
                org=self.target,
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(self.request),
            )
        except OrganizationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{self.target.display_name} is suspended; its owners were emailed."
        )
        return redirect("organizations:approval_detail", public_id=self.target.public_id)


class LiftSuspensionView(SuspenderOnlyMixin, View):
    http_method_names = ["post"]

    def post(self, request, public_id):
        org = get_object_or_404(Organization, public_id=public_id)
        try:
            services.lift_suspension(org=org, actor=request.user, ip_address=client_ip(request))
        except OrganizationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"The suspension of {org.display_name} is lifted; its owners were emailed."
            )
        return redirect("organizations:approval_detail", public_id=org.public_id)


def _pending_org(public_id: str) -> Organization:
    return get_object_or_404(
        Organization.objects.select_related("created_by"),
        public_id=public_id,
        status=Organization.Status.PENDING,
    )


class ApprovalApproveView(StaffOnlyMixin, View):
    http_method_names = ["post"]

    def post(self, request, public_id):
        org = _pending_org(public_id)
        try:
            services.approve_organization(
                org=org, actor=request.user, ip_address=client_ip(request)
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{org.display_name} approved; its owner was emailed.")
        return redirect("organizations:approvals")


class ApprovalRejectView(StaffOnlyMixin, StaffTargetMixin, FormView):
    template_name = "organizations/approval_reject.html"
    form_class = RejectForm

    def get_target(self, public_id: str) -> Organization:
        return _pending_org(public_id)

    def form_valid(self, form):
        try:
            services.reject_organization(
                org=self.target,
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(self.request),
            )
        except OrganizationError as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{self.target.display_name} rejected; its owner was emailed the reason."
        )
        return redirect("organizations:approvals")


class StaffOrganizationCreateView(StaffOnlyMixin, FormView):
    """Tyk's "Manually Create Organizations": active at once, the owner named by email."""

    template_name = "organizations/staff_organization_create.html"
    form_class = StaffOrganizationCreateForm

    def allowed(self, user) -> bool:
        return permissions.can_create_for_others(user)

    def form_valid(self, form):
        try:
            org = services.create_organization_for(
                staff=self.request.user, ip_address=client_ip(self.request), **form.cleaned_data
            )
        except (OrganizationError, ValidationError) as exc:
            add_service_error(form, exc, field="name")
            return self.form_invalid(form)
        owner = org.memberships.filter(role="owner").select_related("user").first()
        if owner is not None:
            message = f"{org.display_name} created; {owner.user.email} is its owner."
        else:
            message = (
                f"{org.display_name} created; {form.cleaned_data['owner_email']} "
                "was invited as its owner."
            )
        messages.success(self.request, message)
        return redirect("organizations:staff_create")

from contextlib import nullcontext

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from config.planning import planned_each_time

from .. import audit_log, permissions, ratelimits, rows, seats, selectors, services
from ..errors import NotAllowed, OrganizationError
from ..forms import (
    AuditFilterForm,
    MetadataFormSet,
    OrganizationCreateForm,
    OrganizationDeleteForm,
    OrganizationSettingsForm,
    metadata_initial,
)
from ..mixins import OrgAccessMixin, client_ip, require_recent_password
from ..models import GovernanceSettings
from ..permissions import Action, create_blocked_reason
from .base import KeysetListMixin, OrgServiceFormView


class HomeView(TemplateView):
    """The landing page; signed-in users go straight to their organizations."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("organizations:list")
        return super().get(request, *args, **kwargs)


class OrganizationListView(LoginRequiredMixin, ListView):
    """ "Your organizations": searchable, a page at a time, with the empty state for users
    in none."""

    template_name = "organizations/organization_list.html"
    context_object_name = "memberships"
    paginate_by = settings.ORGPORTAL_PAGE_SIZE

    def get_queryset(self):
        self.search = self.request.GET.get("q", "").strip()[:100]
        return selectors.memberships_for_user(self.request.user, search=self.search)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(search=self.search, **kwargs)
        for membership in context["memberships"]:
            membership.can_leave = permissions.can_leave(membership)
        blocked = create_blocked_reason(self.request.user)
        context["create_blocked_reason"] = blocked[1] if blocked else ""
        return context


class OrganizationCreateView(LoginRequiredMixin, FormView):
    template_name = "organizations/organization_create.html"
    form_class = OrganizationCreateForm

    def dispatch(self, request, *args, **kwargs):
        blocked = create_blocked_reason(request.user) if request.user.is_authenticated else None
        if blocked is not None:
            code, message = blocked
            if code == "email_unverified":
                messages.warning(
                    request, message + " Use the link we emailed you, or send it again below."
                )
                return redirect("account_email")
            messages.warning(request, message)
            return redirect("organizations:list")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        governance = GovernanceSettings.get_solo()
        needs_approval = not (governance.auto_approve or self.request.user.is_staff)
        return super().get_context_data(needs_approval=needs_approval, **kwargs)

    def form_valid(self, form):
        if not ratelimits.allow(
            f"org-create:{self.request.user.pk}",
            limit=ratelimits.ORG_CREATE_LIMIT,
            period=ratelimits.ORG_CREATE_PERIOD,
        ):
            form.add_error(
                None,
                "You have created several organizations in a short time. "
                "Please try again in an hour.",
            )
            return self.form_invalid(form)
        try:
            org = services.create_organization(
                creator=self.request.user,
                ip_address=client_ip(self.request),
                **form.service_data(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except NotAllowed as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        if org.is_pending:
            messages.info(
                self.request,
                f"Organization “{org.display_name}” was submitted: it is waiting for approval "
                "by the platform admins. We will email you when they decide.",
            )
            return redirect("organizations:dashboard", org_name=org.name)
        messages.success(self.request, f"Organization “{org.display_name}” created.")
        if form.cleaned_data.get("invite_members_now") and org.user_seat_limit > 1:
            return redirect("invitations:create", org_name=org.name)
        return redirect("organizations:dashboard", org_name=org.name)


class OrganizationDashboardView(OrgAccessMixin, TemplateView):
    template_name = "organizations/organization_dashboard.html"
    # The dashboard lists the first teams; the Teams tab pages through all of them.
    teams_shown = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seat_usage = seats.all_usage(self.org)
        teams = selectors.first_teams(self.org, self.teams_shown + 1)
        context.update(
            member_count=seat_usage[seats.USERS].own,
            seat_usage=seat_usage,
            teams=teams[: self.teams_shown],
            more_teams=len(teams) > self.teams_shown,
        )
        return context


class OrganizationSettingsView(OrgAccessMixin, TemplateView):
    required_action = Action.EDIT
    template_name = "organizations/organization_settings.html"

    def get_forms(self):
        org = self.org
        data = self.request.POST if self.request.method == "POST" else None
        form = OrganizationSettingsForm(
            data,
            initial={
                "display_name": org.display_name,
                "name": org.name,
                "org_type": org.org_type,
                "primary_email": org.primary_email,
                "logo_url": org.logo_url,
                "primary_color": org.primary_color,
                "page_background_color": org.page_background_color,
            },
        )
        formset = MetadataFormSet(data, initial=metadata_initial(org.metadata), prefix="metadata")
        return form, formset

    def get(self, request, *args, **kwargs):
        form, formset = self.get_forms()
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        form, formset = self.get_forms()
        if form.is_valid() and formset.is_valid():
            try:
                data = form.cleaned_data
                org = services.update_organization(
                    org=self.org,
                    actor=request.user,
                    display_name=data["display_name"],
                    name=data["name"],
                    org_type=data["org_type"],
                    primary_email=data["primary_email"],
                    logo_url=data["logo_url"],
                    primary_color=data["primary_color"],
                    page_background_color=data["page_background_color"],
                    metadata=formset.to_dict(),
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                self._add_service_errors(form, exc)
            else:
                messages.success(request, "Organization settings saved.")
                return redirect("organizations:settings", org_name=org.name)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    @staticmethod
    def _add_service_errors(form, exc: ValidationError) -> None:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, field_errors in errors.items():
            if field in form.fields:
                form.add_error(field, field_errors)
            elif field == "metadata":
                form.add_error(None, [f"Metadata: {message}" for message in field_errors])
            else:
                form.add_error(None, field_errors)


class AuditLogView(KeysetListMixin, OrgAccessMixin, TemplateView):
    """The audit log, newest first, a keyset page at a time ("older" / "newer", and the
    newest and oldest pages), filtered by action, actor and dates."""

    required_action = Action.VIEW_AUDIT
    template_name = "organizations/audit_log.html"
    keyset = audit_log.ORDER
    page_size = audit_log.PAGE_SIZE
    # The log reads newest first: the next page holds older events, the previous newer.
    next_param = "before"
    previous_param = "after"
    page_link_labels = (
        ("newest", "Newest"),
        ("newer", "‹ Newer"),  # noqa: RUF001 - the pager's arrows
        ("older", "Older ›"),  # noqa: RUF001 - the pager's arrows
        ("oldest", "Oldest"),
    )
    page_testid = "audit"

    def get_context_data(self, **kwargs):
        form = AuditFilterForm(self.request.GET)
        filters = form.filters()
        # When one actor wrote nearly all of an org's events, a prepared statement's
        # generic plan guesses that any actor matches nearly every row and walks the
        # whole log for an actor with few events; planned for the actor it names, the
        # page is a range of the actor index (organizations.AuditEvent's indexes).
        with planned_each_time() if filters.actor else nullcontext():
            paged = self.keyset_context(audit_log.filtered_events(self.org, filters))
        events = paged["page"].rows
        return super().get_context_data(
            form=form,
            events=events,
            event_rows=rows.join_rows(rows.audit_rows(events, dates=rows.Dates())),
            filtered=filters != audit_log.Filters(),
            known_actions=audit_log.KNOWN_ACTIONS,
            **paged,
            **kwargs,
        )


class AuditExportView(OrgAccessMixin, View):
    """The filtered audit log as a CSV file, streamed row by row (owners)."""

    required_action = Action.EXPORT_AUDIT
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        filters = AuditFilterForm(request.GET).filters()
        response = StreamingHttpResponse(
            audit_log.csv_lines(self.org, filters), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.org.name}-audit-{stamp}.csv"'
        )
        return response


class OrganizationDeleteView(OrgServiceFormView):
    """Show what goes, ask for the name, and delete the org; the password is asked again."""

    required_action = Action.DELETE
    template_name = "organizations/organization_delete.html"
    form_class = OrganizationDeleteForm
    error_field = "confirm_name"

    # After OrgAccessMixin's dispatch, so outsiders get 404 rather than a password prompt.
    def get(self, request, *args, **kwargs):
        require_recent_password(request, self.org)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        require_recent_password(request, self.org)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "org": self.org}

    def get_context_data(self, **kwargs):
        return super().get_context_data(summary=selectors.deletion_summary(self.org), **kwargs)

    def perform(self, form):
        display_name = self.org.display_name
        withdrawn = not self.org.is_active and self.org.status != self.org.Status.SUSPENDED
        services.delete_organization(
            org=self.org,
            actor=self.request.user,
            confirm_name=form.cleaned_data["confirm_name"],
            ip_address=client_ip(self.request),
        )
        if withdrawn:
            return f"The request for {display_name} was withdrawn."
        return f"{display_name} and everything in it were deleted."

    def get_success_url(self):
        return reverse("organizations:list")


class ResubmitView(OrgAccessMixin, View):
    """An owner or admin answers a rejection: the org goes back to the approval queue."""

    required_action = Action.EDIT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.resubmit_organization(
                org=self.org, actor=request.user, ip_address=client_ip(request)
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{self.org.display_name} was re-submitted; the platform admins will review it.",
            )
        return redirect("organizations:dashboard", org_name=self.org.name)

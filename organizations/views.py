from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.views.generic import FormView, ListView, TemplateView

from . import ratelimits, seats, selectors, services
from .errors import NotAllowed, OrganizationError
from .forms import (
    ChildOrganizationForm,
    DeviceForm,
    MetadataFormSet,
    OrganizationCreateForm,
    OrganizationSettingsForm,
    SeatsForm,
    metadata_initial,
)
from .mixins import OrgAccessMixin, client_ip
from .models import Device, Organization
from .permissions import Action, can_change_customer_pool, can_create_organization


class HomeView(TemplateView):
    """The landing page; signed-in users go straight to their organizations."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("organizations:list")
        return super().get(request, *args, **kwargs)


class OrganizationListView(LoginRequiredMixin, ListView):
    """ "Your organizations", with the empty state for users in none."""

    template_name = "organizations/organization_list.html"
    context_object_name = "memberships"
    paginate_by = settings.ORGPORTAL_PAGE_SIZE

    def get_queryset(self):
        return selectors.memberships_for_user(self.request.user)


class OrganizationCreateView(LoginRequiredMixin, FormView):
    template_name = "organizations/organization_create.html"
    form_class = OrganizationCreateForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_create_organization(request.user):
            messages.warning(
                request,
                "Verify your email address before you create an organization. "
                "Use the link we emailed you, or send it again below.",
            )
            return redirect("account_email")
        return super().dispatch(request, *args, **kwargs)

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
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except NotAllowed as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Organization “{org.display_name}” created.")
        return redirect("organizations:dashboard", org_name=org.name)


class OrganizationDashboardView(OrgAccessMixin, TemplateView):
    template_name = "organizations/organization_dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member_count = selectors.member_count(self.org)
        context.update(
            member_count=member_count,
            seat_usage=seats.all_usage(self.org, member_count=member_count),
            teams=selectors.teams_with_counts(self.org),
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
                org = services.update_organization(
                    org=self.org,
                    actor=request.user,
                    ip_address=client_ip(request),
                    metadata=formset.to_dict(),
                    **form.cleaned_data,
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


class AuditLogView(OrgAccessMixin, ListView):
    required_action = Action.VIEW_AUDIT
    template_name = "organizations/audit_log.html"
    context_object_name = "events"
    paginate_by = settings.ORGPORTAL_PAGE_SIZE

    def get_queryset(self):
        return selectors.audit_events_for(self.org)


# --- child organizations ------------------------------------------------------------------


class ChildOrganizationListView(OrgAccessMixin, TemplateView):
    """The tree of an org's groups and customers, with their seats and members."""

    required_action = Action.MANAGE_CHILDREN
    template_name = "organizations/children_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(tree=selectors.child_tree(self.org), seat_usage=seats.all_usage(self.org))
        return context


class ChildOrganizationCreateView(OrgAccessMixin, FormView):
    required_action = Action.MANAGE_CHILDREN
    template_name = "organizations/children_create.html"
    form_class = ChildOrganizationForm

    def dispatch(self, request, *args, **kwargs):
        self.kind = request.GET.get("kind") or request.POST.get("kind") or Organization.Kind.GROUP
        if self.kind not in (Organization.Kind.GROUP, Organization.Kind.CUSTOMER):
            raise Http404("No such kind of organization.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"admin_email": self.request.user.email}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(kind=self.kind, seat_usage=seats.all_usage(self.org))
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            child = services.create_child_organization(
                parent=self.org,
                creator=self.request.user,
                kind=self.kind,
                display_name=data["display_name"],
                name=data["name"],
                admin_email=data["admin_email"],
                user_seats=data["user_seats"],
                device_seats=data["device_seats"],
                ip_address=client_ip(self.request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except OrganizationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{child.get_kind_display()} “{child.display_name}” created."
        )
        if data["invite_members"]:
            return redirect(invite_url(child))
        return redirect("organizations:children", org_name=self.org.name)


def invite_url(org: Organization) -> str:
    """Where "Invite members now" leads: the org's invite page, or its dashboard."""
    try:
        return reverse("invitations:invite", kwargs={"org_name": org.name})
    except NoReverseMatch:
        return reverse("organizations:dashboard", kwargs={"org_name": org.name})


class ChildSeatsView(OrgAccessMixin, FormView):
    """Change a group's allotment, or a customer's own pool."""

    required_action = Action.MANAGE_CHILDREN
    template_name = "organizations/children_seats.html"
    form_class = SeatsForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.child_name = kwargs["child_name"]

    def get_child(self) -> Organization:
        if not hasattr(self, "child"):
            self.child = get_object_or_404(
                Organization.objects.exclude(kind=Organization.Kind.STANDARD),
                parent=self.org,
                name=self.child_name,
            )
        return self.child

    def get_initial(self):
        child = self.get_child()
        return {"user_seats": child.user_seat_limit, "device_seats": child.device_seat_limit}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        child = self.get_child()
        context.update(
            child=child,
            child_usage=seats.all_usage(child),
            seat_usage=seats.all_usage(self.org),
            may_change=child.is_group
            or can_change_customer_pool(self.request.user, child, membership=self.membership),
        )
        return context

    def form_valid(self, form):
        child = self.get_child()
        change = services.change_allotment if child.is_group else services.change_customer_pool
        target = "group" if child.is_group else "customer"
        try:
            change(
                **{target: child},
                actor=self.request.user,
                user_seats=form.cleaned_data["user_seats"],
                device_seats=form.cleaned_data["device_seats"],
                ip_address=client_ip(self.request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except OrganizationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Seats of “{child.display_name}” saved.")
        return redirect("organizations:children", org_name=self.org.name)


# --- devices ---------------------------------------------------------------------------------


class DeviceListView(OrgAccessMixin, ListView):
    required_action = Action.VIEW_DEVICES
    template_name = "organizations/device_list.html"
    context_object_name = "devices"
    paginate_by = settings.ORGPORTAL_PAGE_SIZE

    def get_queryset(self):
        return selectors.devices_for(self.org)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DeviceForm())
        context["device_seats"] = seats.usage(self.org, seats.DEVICES)
        return context


class DeviceRegisterView(OrgAccessMixin, FormView):
    required_action = Action.MANAGE_DEVICES
    template_name = "organizations/device_register.html"
    form_class = DeviceForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["device_seats"] = seats.usage(self.org, seats.DEVICES)
        return context

    def form_valid(self, form):
        try:
            device = services.register_device(
                org=self.org,
                actor=self.request.user,
                ip_address=client_ip(self.request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except OrganizationError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Device “{device.name}” registered.")
        return redirect("organizations:devices", org_name=self.org.name)


class DeviceRemoveView(OrgAccessMixin, TemplateView):
    required_action = Action.MANAGE_DEVICES
    template_name = "organizations/device_remove.html"

    def get_device(self) -> Device:
        return get_object_or_404(Device, organization=self.org, pk=self.kwargs["device_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["device"] = self.get_device()
        return context

    def post(self, request, *args, **kwargs):
        device = self.get_device()
        services.remove_device(device=device, actor=request.user, ip_address=client_ip(request))
        messages.success(request, f"Device “{device.name}” removed; its seat is free again.")
        return redirect("organizations:devices", org_name=self.org.name)

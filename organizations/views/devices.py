"""Devices of an org: list, register, remove; each takes a device seat."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, ListView, TemplateView

from .. import seats, selectors, services
from ..errors import OrganizationError
from ..forms import DeviceForm
from ..mixins import OrgAccessMixin, client_ip
from ..models import Device
from ..permissions import Action


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

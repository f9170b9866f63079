"""Pieces the org views share: calling a service from a form and showing its refusal."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views.generic import FormView

from ..errors import OrganizationError
from ..mixins import OrgAccessMixin


def add_service_error(form, exc: Exception, *, field: str | None = None) -> None:
    """Show a service's refusal on `form`: invalid input on `field`, a refused rule on top."""
    if isinstance(exc, ValidationError):
        form.add_error(field if field in form.fields else None, exc.messages)
    else:
        form.add_error(None, exc.message)


class OrgServiceFormView(OrgAccessMixin, FormView):
    """A form whose valid submission calls one service, shows a message and redirects.

    Subclasses implement `perform(form)` (return the success message) and
    `get_success_url()`. A refusal from the service (a domain error or a
    ValidationError) is shown on the form, on `error_field` when set.
    """

    error_field: str | None = None

    def perform(self, form) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except (OrganizationError, ValidationError) as exc:
            add_service_error(form, exc, field=self.error_field)
            return self.form_invalid(form)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url())


def paginate(request, queryset, *, per_page: int = 50) -> dict:
    """The context `includes/pagination.html` reads, for a list shown beside a form."""
    paginator = Paginator(queryset, per_page)
    page_obj = paginator.get_page(request.GET.get("page"))
    return {
        "page_obj": page_obj,
        "paginator": paginator,
        "is_paginated": page_obj.has_other_pages(),
    }

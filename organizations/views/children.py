"""Child organizations: the tree of groups and customers, creating them, their seats."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.views.generic import FormView, ListView

from .. import rows, seats, selectors, services
from ..errors import NotAllowed, OrganizationError
from ..forms import ChildOrganizationForm, SeatsForm
from ..mixins import OrgAccessMixin, client_ip
from ..models import Organization
from ..permissions import Action, can_change_customer_pool
from .base import CountedPaginator, OrgServiceFormView

CHILDREN_PAGE_SIZE = 50
# A subtree's breadcrumb shows the top group and the nearest ancestors: a chain of groups
# may be a thousand deep, and its full path would outweigh the page.
BREADCRUMB_TOP, BREADCRUMB_NEAR = 1, 4


class ChildOrganizationListView(OrgAccessMixin, ListView):
    """An org's groups and customers, one level at a time (`?under=<name>` opens a
    subtree), 50 a page, with a search by name across the whole tree."""

    required_action = Action.MANAGE_CHILDREN
    template_name = "organizations/children_list.html"
    context_object_name = "children"
    paginate_by = CHILDREN_PAGE_SIZE
    paginator_class = CountedPaginator

    def get_queryset(self):
        self.search = self.request.GET.get("q", "").strip()[:100]
        under_name = self.request.GET.get("under", "").strip()
        self.under, self.path = None, []
        if under_name and not self.search:
            self.path = selectors.path_below(self.org, under_name)
            if self.path is None:
                raise Http404("No such child organization.")
            self.under = self.path[-1]
        return selectors.child_rows(self.org, under=self.under, search=self.search)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selectors.add_held_seats(context["children"])
        context.update(
            child_rows=rows.join_rows(
                rows.child_rows(
                    context["children"],
                    org=self.org,
                    search=self.search,
                    may_delete=context["permissions"].delete,
                )
            ),
            search=self.search,
            under=self.under,
            path=self.path,
            crumbs=breadcrumb(self.path),
            crumbs_left_out=max(len(self.path) - BREADCRUMB_TOP - BREADCRUMB_NEAR, 0),
            seat_usage=seats.all_usage(self.org),
        )
        return context


def breadcrumb(path: list[Organization]) -> list[Organization | None]:
    """The orgs of `path` the breadcrumb links to, None where it leaves some out."""
    if len(path) <= BREADCRUMB_TOP + BREADCRUMB_NEAR + 1:
        return path
    return [*path[:BREADCRUMB_TOP], None, *path[-BREADCRUMB_NEAR:]]


class ChildOrganizationCreateView(OrgServiceFormView):
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

    def perform(self, form) -> str:
        data = form.cleaned_data
        self.child = services.create_child_organization(
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
        self.invite_next = data["invite_members"]
        return f"{self.child.get_kind_display()} “{self.child.display_name}” created."

    def get_success_url(self):
        if self.invite_next:
            return invite_url(self.child)
        return reverse("organizations:children", kwargs={"org_name": self.org.name})


def invite_url(org: Organization) -> str:
    """Where "Invite members now" leads: the org's invite page, or its dashboard."""
    try:
        return reverse("invitations:create", kwargs={"org_name": org.name})
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

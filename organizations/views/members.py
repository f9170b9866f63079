"""Members: the list, a member's role and name, removal, leaving, and the Roles page."""

from contextlib import nullcontext

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import TemplateView

from config.planning import planned_each_time

from .. import hooks, permissions, rows, security, selectors, services
from ..forms import ConfirmForm, MemberEditForm
from ..mixins import OrgAccessMixin, client_ip, require_recent_password
from ..models import Membership
from ..permissions import Action
from .base import KeysetListMixin, OrgServiceFormView

MEMBERS_PAGE_SIZE = 50
MFA_FILTERS = {"missing": "Without MFA", "enabled": "With MFA"}


class MemberListView(KeysetListMixin, OrgAccessMixin, TemplateView):
    """Everyone in the org with name, email, role, teams and joined date; searchable.
    Read a keyset page at a time, by email: the last page costs what the first does."""

    template_name = "organizations/member_list.html"
    keyset = selectors.MEMBER_ORDER
    page_size = MEMBERS_PAGE_SIZE

    def get_context_data(self, **kwargs):
        search = self.request.GET.get("q", "").strip()[:100]
        # Who lacks MFA is for the owners, who set the security policy.
        show_mfa = permissions.membership_allows(self.membership, Action.MANAGE_SECURITY)
        mfa = self.request.GET.get("mfa", "")
        mfa_filter = mfa if show_mfa and mfa in MFA_FILTERS else ""
        found = selectors.members_of(self.org, search=search, mfa=mfa_filter)
        # A search's best plan depends on the org's size and on the words: planned each
        # time, never one prepared plan for all (see config/planning.py).
        with planned_each_time() if search else nullcontext():
            paged = self.keyset_context(found)
            # Counted only when the page has rows: an empty page says so without a number.
            member_count = found.count() if paged["page"].rows else 0
        members = selectors.with_org(paged["page"].rows, self.org)
        if show_mfa:
            selectors.mark_mfa(members)
        member_rows = rows.member_rows(
            members,
            org=self.org,
            viewer=self.membership,
            team_names=selectors.team_names_of(members),
            show_mfa=show_mfa,
            csrf=rows.csrf_input(self.request),
            dates=rows.Dates(),
        )
        return super().get_context_data(
            members=members,
            member_count=member_count,
            member_rows=rows.join_rows(member_rows),
            search=search,
            show_mfa=show_mfa,
            mfa_filter=mfa_filter,
            mfa_filters=MFA_FILTERS,
            mfa_filter_label=MFA_FILTERS.get(mfa_filter, ""),
            mfa_required=security.requires_mfa(self.org),
            member_list_links=hooks.member_list_links(org=self.org, membership=self.membership),
            **paged,
            **kwargs,
        )


class MemberObjectMixin:
    """Loads the membership named by `member_id`, if it belongs to this org."""

    def resolve_objects(self):
        self.target = self.get_org_object(
            Membership,
            "member_id",
            Membership.objects.select_related("user", "organization"),
        )

    def check_may_manage(self):
        if not permissions.can_manage_member(self.membership, self.target):
            raise PermissionDenied("You may not change this member.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, **kwargs)

    def get_success_url(self):
        return reverse("organizations:members", kwargs={"org_name": self.org.name})


class MemberEditView(MemberObjectMixin, OrgServiceFormView):
    """Change a member's role and first and last name."""

    required_action = Action.MANAGE_MEMBERS
    template_name = "organizations/member_edit.html"
    form_class = MemberEditForm

    def get(self, request, *args, **kwargs):
        self.check_may_manage()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.check_may_manage()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["assignable_roles"] = permissions.assignable_roles(self.membership)
        return kwargs

    def get_initial(self):
        user = self.target.user
        return {
            "role": self.target.role,
            "first_name": user.first_name,
            "last_name": user.last_name,
        }

    def perform(self, form):
        role = form.cleaned_data["role"]
        if Membership.Role.OWNER in (role, self.target.role) and role != self.target.role:
            # Making or unmaking an owner is a sensitive action (DESIGN.md).
            require_recent_password(self.request, self.org)
        services.update_member(
            org=self.org,
            actor=self.request.user,
            membership=self.target,
            role=role,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            ip_address=client_ip(self.request),
        )
        return f"{self.target.user.email} saved."


class MemberRemoveView(MemberObjectMixin, OrgServiceFormView):
    """Confirm, then remove a member: their access ends with their next request."""

    required_action = Action.MANAGE_MEMBERS
    template_name = "organizations/member_remove.html"
    form_class = ConfirmForm

    def get(self, request, *args, **kwargs):
        self.check_may_manage()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.check_may_manage()
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        if self.target.role == Membership.Role.OWNER:
            # Removing an owner changes who owns the org: a sensitive action (DESIGN.md).
            require_recent_password(self.request, self.org)
        services.remove_member(
            org=self.org,
            actor=self.request.user,
            membership=self.target,
            ip_address=client_ip(self.request),
        )
        return f"{self.target.user.email} was removed from {self.org.display_name}."


class LeaveView(OrgServiceFormView):
    """Confirm, then leave the org; the initial owner is told why they cannot (403)."""

    template_name = "organizations/leave.html"
    form_class = ConfirmForm

    def get(self, request, *args, **kwargs):
        return self.refusal() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refusal() or super().post(request, *args, **kwargs)

    def refusal(self):
        """The page saying why this member cannot leave, or None when they may."""
        org_permissions = permissions.OrgPermissions(self.membership)
        if org_permissions.leave:
            return None
        return TemplateResponse(
            self.request,
            "organizations/leave_refused.html",
            {
                "org": self.org,
                "membership": self.membership,
                "permissions": org_permissions,
                "is_initial_owner": org_permissions.is_initial_owner,
                "inherited_from": getattr(self.membership, "inherited_from", None),
            },
            status=403,
        )

    def perform(self, form):
        services.leave_organization(
            org=self.org, user=self.request.user, ip_address=client_ip(self.request)
        )
        return f"You left {self.org.display_name}."

    def get_success_url(self):
        return reverse("organizations:list")


class RolesView(OrgAccessMixin, TemplateView):
    """The Roles help page, generated from the permission matrix."""

    template_name = "organizations/roles.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        columns = permissions.MATRIX_ROLES
        context.update(
            role_columns=[permissions.MATRIX_ROLE_LABELS[role] for role in columns],
            rule_rows=[
                (rule.label, [rule.allows(role) for role in columns]) for rule in permissions.RULES
            ],
            management_rows=permissions.role_management_table(),
            your_column=permissions.MATRIX_ROLE_LABELS[permissions.matrix_role(self.membership)],
        )
        return context

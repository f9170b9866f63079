"""Organizational units and workspaces: the tree, and creating, editing, moving, deleting."""

from django.urls import reverse
from django.views.generic import TemplateView

from .. import selectors, services
from ..forms import ConfirmForm, UnitDeleteForm, UnitForm
from ..mixins import OrgAccessMixin, client_ip
from ..models import OrganizationalUnit, Workspace
from ..permissions import Action
from .base import GroupMemberRemoveView, GroupMembersView, OrgServiceFormView


class StructureView(OrgAccessMixin, TemplateView):
    """Units and workspaces as a tree."""

    template_name = "organizations/structure.html"

    def get_context_data(self, **kwargs):
        tree = selectors.structure_tree(self.org)
        return super().get_context_data(tree=tree, nodes=list(tree.walk()), **kwargs)


class StructureFormMixin:
    required_action = Action.MANAGE_STRUCTURE
    error_field = "name"
    template_name = "organizations/structure_form.html"
    parent_label = "Inside unit"
    heading = ""

    def structure_url(self):
        return reverse("organizations:structure", kwargs={"org_name": self.org.name})

    def get_success_url(self):
        return self.structure_url()

    def exclude_unit_ids(self):
        return ()

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "units": selectors.unit_choices(self.org),
            "exclude_ids": self.exclude_unit_ids(),
            "parent_label": self.parent_label,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading, **kwargs)


class UnitObjectMixin:
    def resolve_objects(self):
        self.unit = self.get_org_object(OrganizationalUnit, "unit_id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(unit=self.unit, **kwargs)


class WorkspaceObjectMixin:
    def resolve_objects(self):
        super().resolve_objects()
        self.workspace = self.get_org_object(
            Workspace, "workspace_id", Workspace.objects.select_related("unit")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(workspace=self.workspace, **kwargs)

    def workspace_url(self):
        return reverse(
            "organizations:workspace",
            kwargs={"org_name": self.org.name, "workspace_id": self.workspace.pk},
        )


class UnitCreateView(StructureFormMixin, OrgServiceFormView):
    form_class = UnitForm
    heading = "New organizational unit"

    def get_initial(self):
        return {"parent": self.request.GET.get("parent") or None}

    def perform(self, form):
        unit = services.create_unit(
            org=self.org,
            actor=self.request.user,
            name=form.cleaned_data["name"],
            parent=form.cleaned_data["parent"],
            ip_address=client_ip(self.request),
        )
        return f"Unit “{unit.name}” created."


class UnitEditView(UnitObjectMixin, StructureFormMixin, OrgServiceFormView):
    """Rename a unit and move it (never inside itself)."""

    form_class = UnitForm
    heading = "Edit organizational unit"

    def exclude_unit_ids(self):
        return {self.unit.pk} | services.unit_descendant_ids(self.org, self.unit)

    def get_initial(self):
        return {"name": self.unit.name, "parent": self.unit.parent_id}

    def perform(self, form):
        services.update_unit(
            org=self.org,
            actor=self.request.user,
            unit=self.unit,
            name=form.cleaned_data["name"],
            parent=form.cleaned_data["parent"],
            ip_address=client_ip(self.request),
        )
        return "Unit saved."


class UnitDeleteView(UnitObjectMixin, OrgServiceFormView):
    """Confirm; a unit that holds anything asks whether to move it up or delete it."""

    required_action = Action.MANAGE_STRUCTURE
    template_name = "organizations/unit_delete.html"
    error_field = "strategy"

    def holds(self):
        return {
            "units": self.unit.children.count(),
            "workspaces": self.unit.workspaces.count(),
        }

    def get_form_class(self):
        return UnitDeleteForm if any(self.holds().values()) else ConfirmForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(holds=self.holds(), **kwargs)

    def perform(self, form):
        name = self.unit.name
        services.delete_unit(
            org=self.org,
            actor=self.request.user,
            unit=self.unit,
            strategy=form.cleaned_data.get("strategy"),
            ip_address=client_ip(self.request),
        )
        return f"Unit “{name}” deleted."

    def get_success_url(self):
        return reverse("organizations:structure", kwargs={"org_name": self.org.name})


class WorkspaceCreateView(StructureFormMixin, OrgServiceFormView):
    form_class = UnitForm
    heading = "New workspace"
    parent_label = "In unit"

    def get_initial(self):
        return {"parent": self.request.GET.get("unit") or None}

    def perform(self, form):
        workspace = services.create_workspace(
            org=self.org,
            actor=self.request.user,
            name=form.cleaned_data["name"],
            unit=form.cleaned_data["parent"],
            ip_address=client_ip(self.request),
        )
        return f"Workspace “{workspace.name}” created."


class WorkspaceEditView(WorkspaceObjectMixin, StructureFormMixin, OrgServiceFormView):
    """Rename a workspace and move it to another unit (or to the top)."""

    form_class = UnitForm
    heading = "Edit workspace"
    parent_label = "In unit"

    def get_initial(self):
        return {"name": self.workspace.name, "parent": self.workspace.unit_id}

    def perform(self, form):
        services.update_workspace(
            org=self.org,
            actor=self.request.user,
            workspace=self.workspace,
            name=form.cleaned_data["name"],
            unit=form.cleaned_data["parent"],
            ip_address=client_ip(self.request),
        )
        return "Workspace saved."

    def get_success_url(self):
        return self.workspace_url()


class WorkspaceDeleteView(WorkspaceObjectMixin, OrgServiceFormView):
    required_action = Action.MANAGE_STRUCTURE
    template_name = "organizations/workspace_delete.html"
    form_class = ConfirmForm

    def perform(self, form):
        name = self.workspace.name
        services.delete_workspace(
            org=self.org,
            actor=self.request.user,
            workspace=self.workspace,
            ip_address=client_ip(self.request),
        )
        return f"Workspace “{name}” deleted."

    def get_success_url(self):
        return reverse("organizations:structure", kwargs={"org_name": self.org.name})


class WorkspaceDetailView(WorkspaceObjectMixin, GroupMembersView):
    """A workspace's members; managers assign members here."""

    template_name = "organizations/workspace_detail.html"
    required_post_action = Action.MANAGE_STRUCTURE
    group_attr = "workspace"
    list_members = selectors.workspace_members
    add_service = services.add_workspace_member
    added_message = "{email} was assigned to {group}."

    def group_url(self):
        return self.workspace_url()


class WorkspaceMemberRemoveView(WorkspaceObjectMixin, GroupMemberRemoveView):
    required_action = Action.MANAGE_STRUCTURE
    group_attr = "workspace"
    remove_service = services.remove_workspace_member
    removed_message = "{email} left the workspace {group}."

    def group_url(self):
        return self.workspace_url()

"""Teams: list, create, rename, delete, and team members."""

from django.urls import reverse
from django.views.generic import ListView

from .. import selectors, services
from ..forms import ConfirmForm, NameForm
from ..mixins import OrgAccessMixin, client_ip
from ..models import Team
from ..permissions import Action
from .base import GroupMemberRemoveView, GroupMembersView, OrgServiceFormView


class TeamListView(OrgAccessMixin, ListView):
    template_name = "organizations/team_list.html"
    context_object_name = "teams"
    paginate_by = 50

    def get_queryset(self):
        return selectors.teams_with_counts(self.org)


class TeamObjectMixin:
    """Loads the team named by `team_id`, if it belongs to this org."""

    def resolve_objects(self):
        super().resolve_objects()
        self.team = self.get_org_object(Team, "team_id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(team=self.team, **kwargs)

    def team_url(self):
        return reverse(
            "organizations:team", kwargs={"org_name": self.org.name, "team_id": self.team.pk}
        )


class TeamCreateView(OrgServiceFormView):
    required_action = Action.MANAGE_TEAMS
    template_name = "organizations/team_form.html"
    form_class = NameForm
    error_field = "name"

    def perform(self, form):
        self.team = services.create_team(
            org=self.org,
            actor=self.request.user,
            name=form.cleaned_data["name"],
            ip_address=client_ip(self.request),
        )
        return f"Team “{self.team.name}” created."

    def get_success_url(self):
        return reverse(
            "organizations:team", kwargs={"org_name": self.org.name, "team_id": self.team.pk}
        )


class TeamDetailView(TeamObjectMixin, GroupMembersView):
    """A team's members; managers add members here (the form) and remove them (buttons)."""

    template_name = "organizations/team_detail.html"
    required_post_action = Action.MANAGE_TEAMS
    group_attr = "team"
    list_members = selectors.team_members
    add_service = services.add_team_member

    def group_url(self):
        return self.team_url()


class TeamMemberRemoveView(TeamObjectMixin, GroupMemberRemoveView):
    required_action = Action.MANAGE_TEAMS
    group_attr = "team"
    remove_service = services.remove_team_member

    def group_url(self):
        return self.team_url()


class TeamRenameView(TeamObjectMixin, OrgServiceFormView):
    required_action = Action.MANAGE_TEAMS
    template_name = "organizations/team_form.html"
    form_class = NameForm
    error_field = "name"

    def get_initial(self):
        return {"name": self.team.name}

    def perform(self, form):
        services.rename_team(
            org=self.org,
            actor=self.request.user,
            team=self.team,
            name=form.cleaned_data["name"],
            ip_address=client_ip(self.request),
        )
        return "Team renamed."

    def get_success_url(self):
        return self.team_url()


class TeamDeleteView(TeamObjectMixin, OrgServiceFormView):
    required_action = Action.MANAGE_TEAMS
    template_name = "organizations/team_delete.html"
    form_class = ConfirmForm

    def perform(self, form):
        name = self.team.name
        services.delete_team(
            org=self.org,
            actor=self.request.user,
            team=self.team,
            ip_address=client_ip(self.request),
        )
        return f"Team “{name}” deleted."

    def get_success_url(self):
        return reverse("organizations:teams", kwargs={"org_name": self.org.name})

"""Teams: list, create, rename, delete, and team members."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from .. import selectors, services
from ..errors import OrganizationError
from ..forms import ConfirmForm, MemberPickForm, NameForm
from ..mixins import OrgAccessMixin, client_ip
from ..models import Membership, Team
from ..permissions import Action
from .base import OrgServiceFormView, paginate


class TeamListView(OrgAccessMixin, ListView):
    template_name = "organizations/team_list.html"
    context_object_name = "teams"
    paginate_by = 50

    def get_queryset(self):
        return selectors.teams_with_counts(self.org)


class TeamObjectMixin:
    """Loads the team named by `team_id`, if it belongs to this org."""

    def resolve_objects(self):
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


class TeamDetailView(TeamObjectMixin, OrgServiceFormView):
    """A team's members; managers add members here (the form) and remove them (buttons)."""

    template_name = "organizations/team_detail.html"
    form_class = MemberPickForm
    error_field = "member"

    required_post_action = Action.MANAGE_TEAMS

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["members"] = selectors.member_choices(self.org)
        return kwargs

    def get_context_data(self, **kwargs):
        page = paginate(self.request, selectors.team_members(self.team))
        return super().get_context_data(members=page["page_obj"], **page, **kwargs)

    def perform(self, form):
        member = form.cleaned_data["member"]
        services.add_team_member(
            org=self.org,
            actor=self.request.user,
            team=self.team,
            membership=member,
            ip_address=client_ip(self.request),
        )
        return f"{member.user.email} joined {self.team.name}."

    def get_success_url(self):
        return self.team_url()


class TeamMemberRemoveView(TeamObjectMixin, OrgAccessMixin, View):
    """POST only: take a member out of the team (they stay in the org)."""

    required_action = Action.MANAGE_TEAMS

    def resolve_objects(self):
        super().resolve_objects()
        self.target = self.get_org_object(
            Membership, "member_id", Membership.objects.select_related("user")
        )

    def post(self, request, *args, **kwargs):
        try:
            services.remove_team_member(
                org=self.org,
                actor=request.user,
                team=self.team,
                membership=self.target,
                ip_address=client_ip(request),
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{self.target.user.email} left {self.team.name}.")
        return redirect(self.team_url())


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

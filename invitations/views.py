from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from organizations import permissions, ratelimits, security
from organizations.errors import OrganizationError
from organizations.mixins import OrgAccessMixin, client_ip
from organizations.permissions import Action
from organizations.rows import Dates, csrf_input, join_rows
from organizations.seats import user_seat_usage
from organizations.views.base import KeysetListMixin

from . import selectors, services, session
from .errors import InvitationInvalid, WrongAccount
from .forms import InviteForm
from .models import Invitation
from .rows import invitation_rows

NO_REFERRER = "no-referrer"
# Invite requests per inviter and hour (each takes up to 50 addresses); resends have
# their own per-invitation limits in the governance settings.
INVITE_REQUEST_LIMIT = 30
INVITE_REQUEST_PERIOD = 3600


# --- the org's side: invite, list, resend, revoke ---------------------------------------


class InvitationListView(KeysetListMixin, OrgAccessMixin, TemplateView):
    """Pending (and expired) invitations, newest first, with resend and revoke; read a
    keyset page at a time, so that the last page costs what the first does."""

    required_action = Action.INVITE
    template_name = "invitations/invitation_list.html"
    keyset = selectors.INVITATION_ORDER
    page_size = settings.ORGPORTAL_PAGE_SIZE

    def get_context_data(self, **kwargs):
        paged = self.keyset_context(selectors.invitation_rows_for(self.org))
        invitations = paged["page"].rows
        grantable = permissions.grantable_roles(self.membership)
        return super().get_context_data(
            invitations=invitations,
            invitation_rows=join_rows(
                invitation_rows(
                    invitations,
                    org=self.org,
                    grantable=grantable,
                    csrf=csrf_input(self.request),
                    dates=Dates(),
                )
            ),
            user_seats=user_seat_usage(self.org),
            blocked_reason=permissions.org_invite_blocked_reason(self.org),
            grantable_roles=grantable,
            **paged,
            **kwargs,
        )


class InvitationCreateView(OrgAccessMixin, FormView):
    """Invite one or many addresses; the page answers with a result per address."""

    required_action = Action.INVITE
    template_name = "invitations/invitation_create.html"
    form_class = InviteForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["roles"] = permissions.grantable_roles(self.membership)
        kwargs["allowed_domains"] = security.allowed_domains(self.org)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            user_seats=user_seat_usage(self.org),
            blocked_reason=permissions.org_invite_blocked_reason(self.org),
        )
        return context

    def form_valid(self, form):
        if not ratelimits.allow(
            f"invite-send:{self.request.user.pk}",
            limit=INVITE_REQUEST_LIMIT,
            period=INVITE_REQUEST_PERIOD,
        ):
            form.add_error(
                None, "You have sent many invitations in a short time. Try again in an hour."
            )
            return self.form_invalid(form)
        data = form.cleaned_data
        results = services.invite_members(
            org=self.org,
            inviter=self.request.user,
            emails=data["emails"],
            role=data["role"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            ip_address=client_ip(self.request),
        )
        invited = sum(result.ok for result in results)
        if invited:
            messages.success(
                self.request, f"{invited} invitation{'s' if invited != 1 else ''} sent."
            )
        if invited == len(results):
            return redirect("invitations:list", org_name=self.org.name)
        fresh_form = self.form_class(
            roles=permissions.grantable_roles(self.membership),
            allowed_domains=security.allowed_domains(self.org),
            initial={"role": data["role"]},
        )
        refused = [result for result in results if result.outcome == "domain_not_allowed"]
        if refused:
            # Outside the org's allowed domains: the addresses stay in the field, with why.
            fresh_form = self.form_class(
                {"emails": "\n".join(result.email for result in refused), "role": data["role"]},
                roles=permissions.grantable_roles(self.membership),
                allowed_domains=security.allowed_domains(self.org),
            )
            if fresh_form.is_valid():
                for result in refused:
                    fresh_form.add_error("emails", result.message)
        return self.render_to_response(self.get_context_data(form=fresh_form, results=results))


class OrgInvitationMixin(OrgAccessMixin):
    """Resolve `<pk>` among the org's open invitations; another org's id is a 404."""

    required_action = Action.INVITE

    def resolve_objects(self) -> None:
        self.invitation = self.get_org_object(
            Invitation, "pk", queryset=selectors.open_invitations_for(self.org)
        )

    def redirect_back(self):
        next_url = self.request.POST.get("next", "")
        if next_url and url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            # A URL, never a view name: redirect("0") would try to reverse it.
            return HttpResponseRedirect(next_url)
        return redirect("invitations:list", org_name=self.org.name)


class InvitationResendView(OrgInvitationMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        invitation = self.invitation
        try:
            services.resend_invitation(
                invitation=invitation, actor=request.user, ip_address=client_ip(request)
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"The invitation to {invitation.email} was sent again.")
        return self.redirect_back()


class InvitationRevokeView(OrgInvitationMixin, TemplateView):
    """Ask first, then revoke: the link dies and the seat is free again."""

    template_name = "invitations/invitation_revoke.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        return context

    def post(self, request, *args, **kwargs):
        invitation = self.invitation
        try:
            services.revoke_invitation(
                invitation=invitation, actor=request.user, ip_address=client_ip(request)
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"The invitation to {invitation.email} was revoked.")
        return redirect("invitations:list", org_name=self.org.name)


# --- the invitee's side: the link, the accept page -------------------------------------


def invalid_invitation_response(request):
    """One page and one status for unknown, used, declined, revoked and expired tokens."""
    session.forget_token(request)
    response = render(
        request,
        "invitations/invitation_invalid.html",
        {"message": InvitationInvalid().message},
        status=404,
    )
    response["Referrer-Policy"] = NO_REFERRER
    return response


class NoReferrerMixin:
    """Pages that touch an invitation token send no Referer and are never cached."""

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Referrer-Policy"] = NO_REFERRER
        return response


class InvitationLinkView(NoReferrerMixin, View):
    """`/invitations/accept/<token>/`: move the token into the session, then redirect."""

    http_method_names = ["get"]

    def dispatch(self, request, *args, **kwargs):
        if selectors.usable_invitation_for_token(kwargs["token"]) is None:
            return invalid_invitation_response(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, token):
        session.store_token(request, token)
        return redirect("invitations:accept")


def _account_exists(email: str) -> bool:
    # The token holder has proven the address, so telling them is no enumeration.
    return (
        get_user_model().objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


class InvitationAcceptView(NoReferrerMixin, View):
    """The invitation opened in this session: join or decline, sign in, or sign up."""

    def dispatch(self, request, *args, **kwargs):
        self.invitation = session.current_invitation(request)
        if self.invitation is None:
            return invalid_invitation_response(request)
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra):
        invitation = self.invitation
        return {
            "invitation": invitation,
            "org": invitation.organization,
            "inviter": invitation.invited_by,
            **extra,
        }

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.signed_out(request)
        if not permissions.can_accept_invitation(request.user, self.invitation.email):
            return self.wrong_account(request)
        refusal = security.email_refusal(self.invitation.organization, self.invitation.email)
        return render(
            request, "invitations/invitation_accept.html", self.context(domain_refusal=refusal)
        )

    def post(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.signed_out(request)
        token = session.current_token(request)
        ip = client_ip(request)
        try:
            if request.POST.get("action") == "decline":
                services.decline_invitation(token=token, user=request.user, ip_address=ip)
            else:
                membership = services.accept_invitation(
                    token=token, user=request.user, ip_address=ip
                )
        except InvitationInvalid:
            return invalid_invitation_response(request)
        except WrongAccount:
            return self.wrong_account(request)
        except OrganizationError as exc:
            if exc.code == "domain_not_allowed":
                extra = {"domain_refusal": exc.message}
            else:
                messages.error(request, exc.message)
                extra = {}
            return render(request, "invitations/invitation_accept.html", self.context(**extra))
        session.forget_token(request)
        org = self.invitation.organization
        if request.POST.get("action") == "decline":
            messages.info(request, f"You declined the invitation to {org.display_name}.")
            return redirect("home")
        messages.success(
            request,
            f"Welcome to {org.display_name}! You joined as "
            f"{membership.get_role_display().lower()}.",
        )
        return redirect("organizations:dashboard", org_name=org.name)

    def signed_out(self, request):
        org = self.invitation.organization
        query = urlencode({"next": reverse("invitations:accept")})
        if _account_exists(self.invitation.email):
            messages.info(
                request,
                f"Sign in as {self.invitation.email} to accept the invitation to "
                f"{org.display_name}.",
            )
            return redirect(f"{reverse('account_login')}?{query}")
        # The sign-up page itself shows the invitation (InvitationSignupForm).
        return redirect("account_signup")

    def wrong_account(self, request):
        return render(
            request, "invitations/invitation_wrong_account.html", self.context(), status=403
        )


class InvitationSwitchAccountView(NoReferrerMixin, View):
    """Sign out of the wrong account and keep the invitation for the right one."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = session.current_token(request)
        logout(request)
        if token:
            session.store_token(request, token)
        return redirect("invitations:accept")

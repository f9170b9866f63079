"""The "Single sign-on" tab (owners), the org's login page, and the no-seat page."""

import requests
from allauth.account.utils import get_next_redirect_url
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from organizations.errors import OrganizationError
from organizations.mixins import OrgAccessMixin, client_ip, require_recent_password
from organizations.models import Organization
from organizations.permissions import Action

from . import selectors, services
from .adapter import NO_SEAT_SESSION_KEY
from .forms import (
    ConnectionForm,
    DomainForm,
    HomeRealmLoginForm,
    RequestToJoinForm,
    SamlConnectionForm,
    SsoOnlyForm,
)
from .models import OidcConnection, SamlConnection, SsoPolicy, VerifiedDomain

DOMAIN_JOIN_SUMMARY = {
    SsoPolicy.DomainJoin.OFF: "off",
    SsoPolicy.DomainJoin.JOIN: "join directly",
    SsoPolicy.DomainJoin.REQUEST: "ask to join",
}


def _error_text(exc: Exception) -> str:
    if isinstance(exc, OrganizationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class SsoTabMixin(OrgAccessMixin):
    required_action = Action.MANAGE_SECURITY

    def tab_url(self) -> str:
        return reverse("sso:settings", kwargs={"org_name": self.org.name})


class SsoSettingsView(SsoTabMixin, TemplateView):
    template_name = "sso/settings.html"

    def get_context_data(self, **kwargs):
        data = selectors.sso_settings(self.org)
        return super().get_context_data(
            domain_form=DomainForm(),
            sso_only_form=SsoOnlyForm(
                initial={"sso_only": data["sso_only"], "domain_join": data["domain_join"]}
            ),
            domain_join_choices=SsoPolicy.DomainJoin.choices,
            org_login_url=self.request.build_absolute_uri(
                reverse("sso:org_login", kwargs={"org_name": self.org.name})
            ),
            **data,
            **kwargs,
        )


class SsoPostView(SsoTabMixin, View):
    """A POST that calls one service, shows its outcome as a message, and goes back to the tab."""

    http_method_names = ["post"]
    # Who controls a connection signs people in: such changes ask for the password again.
    sensitive = False

    def perform(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        if self.sensitive:
            require_recent_password(request, self.org)
        try:
            message = self.perform()
        except (OrganizationError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            if message:
                messages.success(request, message)
        return redirect(self.tab_url())


class DomainAddView(SsoPostView):
    def perform(self) -> str:
        form = DomainForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Enter a domain such as example.com.", code="invalid_domain")
        claimed = services.add_domain(
            org=self.org,
            actor=self.request.user,
            domain=form.cleaned_data["domain"],
            ip_address=client_ip(self.request),
        )
        return f"{claimed.domain} added: publish its TXT record, then check it."


class DomainObjectMixin:
    def resolve_objects(self) -> None:
        self.domain = self.get_org_object(VerifiedDomain, "domain_id")


class DomainCheckView(DomainObjectMixin, SsoPostView):
    def perform(self) -> str:
        checked = services.check_domain(
            org=self.org,
            actor=self.request.user,
            domain_id=self.domain.pk,
            ip_address=client_ip(self.request),
        )
        if checked.is_verified:
            return f"{checked.domain} is verified."
        raise ValidationError(
            f"{checked.domain} is not verified yet: {checked.last_check_result}", code="not_found"
        )


class DomainRemoveView(DomainObjectMixin, SsoPostView):
    def perform(self) -> str:
        services.remove_domain(
            org=self.org,
            actor=self.request.user,
            domain_id=self.domain.pk,
            ip_address=client_ip(self.request),
        )
        return f"{self.domain.domain} removed."


class SsoOnlyView(SsoPostView):
    sensitive = True

    def perform(self) -> str:
        form = SsoOnlyForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Choose how people of your domains join.", code="invalid")
        policy = services.set_sso_only(
            org=self.org,
            actor=self.request.user,
            sso_only=bool(form.cleaned_data.get("sso_only")),
            domain_join=form.cleaned_data.get("domain_join") or None,
            ip_address=client_ip(self.request),
        )
        return (
            f"SSO only is {'on' if policy.sso_only else 'off'}; joining by verified domain: "
            f"{DOMAIN_JOIN_SUMMARY[policy.domain_join]}."
        )


class ConnectionObjectMixin:
    def resolve_objects(self) -> None:
        self.connection = self.get_org_object(OidcConnection, "connection_id")


class ConnectionFormView(SsoTabMixin, FormView):
    template_name = "sso/connection_form.html"
    form_class = ConnectionForm
    connection = None

    def post(self, request, *args, **kwargs):
        # Whoever controls a connection signs people in: the password again first.
        require_recent_password(request, self.org)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.connection}

    def get_context_data(self, **kwargs):
        callback = None
        if self.connection is not None:
            callback = self.request.build_absolute_uri(
                reverse(
                    "openid_connect_callback", kwargs={"provider_id": self.connection.provider_id}
                )
            )
        return super().get_context_data(connection=self.connection, callback_url=callback, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        values = {k: data[k] for k in services.CONNECTION_FIELDS}
        try:
            if self.connection is None:
                if not data["secret"]:
                    form.add_error("secret", "Enter the client secret.")
                    return self.form_invalid(form)
                connection = services.create_connection(
                    org=self.org,
                    actor=self.request.user,
                    secret=data["secret"],
                    ip_address=client_ip(self.request),
                    **values,
                )
                messages.success(
                    self.request,
                    f"{connection.name} added. Register the callback URL below with the "
                    "identity provider.",
                )
            else:
                connection = services.update_connection(
                    org=self.org,
                    actor=self.request.user,
                    connection_id=self.connection.pk,
                    secret=data["secret"],
                    ip_address=client_ip(self.request),
                    **values,
                )
                messages.success(self.request, f"{connection.name} saved.")
        except (OrganizationError, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
            return self.form_invalid(form)
        return redirect("sso:connection_edit", org_name=self.org.name, connection_id=connection.pk)


class ConnectionCreateView(ConnectionFormView):
    pass


class ConnectionEditView(ConnectionObjectMixin, ConnectionFormView):
    pass


class ConnectionDeleteView(ConnectionObjectMixin, SsoPostView):
    sensitive = True

    def perform(self) -> str:
        services.delete_connection(
            org=self.org,
            actor=self.request.user,
            connection_id=self.connection.pk,
            ip_address=client_ip(self.request),
        )
        return f"{self.connection.name} removed."


class ConnectionTestView(ConnectionObjectMixin, SsoPostView):
    """Fetch the provider's discovery document and say what it offers."""

    def post(self, request, *args, **kwargs):
        from .adapter import social_app

        app = social_app(self.connection)
        url = app.settings["server_url"]
        if "/.well-known/" not in url:
            url += "/.well-known/openid-configuration"
        try:
            with get_social_adapter(request).get_requests_session() as session:
                response = session.get(url, timeout=5)
                response.raise_for_status()
                config = response.json()
            missing = [
                key
                for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
                if not config.get(key)
            ]
        except (requests.RequestException, ValueError) as exc:
            messages.error(
                request, f"Could not read {url}: {exc.__class__.__name__}. Check the issuer URL."
            )
        else:
            if missing:
                messages.error(request, f"The discovery document lacks: {', '.join(missing)}.")
            else:
                messages.success(
                    request,
                    f"Connection OK: issuer {config['issuer']}, "
                    f"scopes {', '.join(config.get('scopes_supported', []) or ['(not listed)'])}.",
                )
        return redirect(
            "sso:connection_edit", org_name=self.org.name, connection_id=self.connection.pk
        )


class SamlObjectMixin:
    def resolve_objects(self) -> None:
        self.connection = self.get_org_object(SamlConnection, "connection_id")


class SamlConnectionFormView(SsoTabMixin, FormView):
    template_name = "sso/saml_connection_form.html"
    form_class = SamlConnectionForm
    connection = None

    def post(self, request, *args, **kwargs):
        # Whoever controls a connection signs people in: the password again first.
        require_recent_password(request, self.org)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.connection}

    def get_context_data(self, **kwargs):
        urls = {}
        if self.connection is not None:
            slug = [self.connection.provider_id]
            urls = {
                "sp_metadata_url": self.request.build_absolute_uri(
                    reverse("saml_metadata", args=slug)
                ),
                "acs_url": self.request.build_absolute_uri(reverse("saml_acs", args=slug)),
            }
        return super().get_context_data(connection=self.connection, **urls, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            connection = services.save_saml_connection(
                org=self.org,
                actor=self.request.user,
                connection_id=self.connection.pk if self.connection else None,
                ip_address=client_ip(self.request),
                **{k: data[k] for k in services.SAML_FIELDS if k in data},
            )
        except (OrganizationError, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{connection.name} saved. Give the identity provider our metadata URL below.",
        )
        return redirect(
            "sso:saml_connection_edit", org_name=self.org.name, connection_id=connection.pk
        )


class SamlConnectionCreateView(SamlConnectionFormView):
    pass


class SamlConnectionEditView(SamlObjectMixin, SamlConnectionFormView):
    pass


class SamlConnectionDeleteView(SamlObjectMixin, SsoPostView):
    sensitive = True

    def perform(self) -> str:
        services.delete_saml_connection(
            org=self.org,
            actor=self.request.user,
            connection_id=self.connection.pk,
            ip_address=client_ip(self.request),
        )
        return f"{self.connection.name} removed."


class SamlConnectionTestView(SamlObjectMixin, SsoPostView):
    """Read the IdP's metadata (from its URL, or the stored values) and say what it offers."""

    def perform(self) -> str:
        from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

        connection = self.connection
        if connection.idp_metadata_url:
            try:
                parsed = OneLogin_Saml2_IdPMetadataParser.parse_remote(
                    connection.idp_metadata_url, entity_id=connection.idp_entity_id, timeout=5
                ).get("idp", {})
            except Exception as exc:  # network and XML errors alike
                raise ValidationError(
                    f"Could not read the metadata: {exc.__class__.__name__}.", code="unreachable"
                ) from exc
        else:
            parsed = {
                "entityId": connection.idp_entity_id,
                "singleSignOnService": {"url": connection.idp_sso_url},
                "x509cert": connection.idp_x509cert,
            }
        sso_url = (parsed.get("singleSignOnService") or {}).get("url")
        if not (parsed.get("entityId") and sso_url):
            raise ValidationError("The metadata lacks a sign-in URL.", code="incomplete")
        return f"Connection OK: IdP {parsed['entityId']}, sign-in at {sso_url}."

    def post(self, request, *args, **kwargs):
        super().post(request, *args, **kwargs)
        return redirect(
            "sso:saml_connection_edit", org_name=self.org.name, connection_id=self.connection.pk
        )


class OrgLoginView(View):
    """`/o/<name>/login/`: public; the org's branding and connections, then the password form."""

    def get(self, request, org_name: str):
        org = get_object_or_404(Organization, name=org_name, status=Organization.Status.ACTIVE)
        connections = selectors.enabled_connections(org)
        next_url = get_next_redirect_url(request) or reverse(
            "organizations:dashboard", kwargs={"org_name": org.name}
        )
        offer = selectors.join_offer(org, request.user)
        mode = offer["mode"] if offer else None
        return render(
            request,
            "sso/org_login.html",
            {
                "org": org,
                "branded_login": True,
                "connections": connections,
                "next_url": next_url,
                "may_join": mode == SsoPolicy.DomainJoin.JOIN,
                "may_request": mode == SsoPolicy.DomainJoin.REQUEST,
                "pending_request": offer["pending"] if offer else None,
                "request_form": RequestToJoinForm(),
                "form": HomeRealmLoginForm(request=request),
            },
        )


class DomainJoinView(View):
    """Base of the POST-only ways a signed-in user joins an org by the domain of their
    confirmed address; `may_join(org, user)` names that address, or None.

    Loads the active org into `self.org`, or answers 404, like any org page, to whoever
    may not join (or see) it. A GET goes back to the org's login page, which offers it.
    """

    may_join = staticmethod(lambda org, user: None)

    def dispatch(self, request, *args, org_name: str, **kwargs):
        if not request.user.is_authenticated:
            raise Http404("No organization found.")
        self.org = get_object_or_404(Organization, name=org_name, status=Organization.Status.ACTIVE)
        if self.may_join(self.org, request.user) is None:
            raise Http404("No organization found.")
        return super().dispatch(request, *args, org_name=org_name, **kwargs)

    def get(self, request, *args, **kwargs):
        return redirect("sso:org_login", org_name=self.org.name)


class JoinView(DomainJoinView):
    """Auto-join: a signed-in user with an address in a verified domain joins the org."""

    may_join = staticmethod(selectors.may_auto_join)

    def post(self, request, org_name: str):
        org = self.org
        try:
            services.join_by_verified_domain(
                org=org, user=request.user, ip_address=client_ip(request)
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
            return redirect("sso:org_login", org_name=org.name)
        messages.success(request, f"You joined {org.display_name}.")
        return redirect("organizations:dashboard", org_name=org.name)


class NoSeatView(TemplateView):
    template_name = "sso/no_seat.html"

    def get(self, request, *args, **kwargs):
        org_display_name = request.session.get(NO_SEAT_SESSION_KEY)
        if not org_display_name:
            raise Http404("Nothing to show.")
        return self.render_to_response(
            self.get_context_data(sso_org={"display_name": org_display_name}), status=403
        )

from urllib.parse import urlsplit

from allauth.account.forms import LoginForm
from django import forms
from django.conf import settings

from . import routing
from .middleware import UNREACHABLE, provider_down
from .models import JoinRequest, OidcConnection, SamlConnection, SsoPolicy

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class HomeRealmLoginForm(LoginForm):
    """allauth's sign-in form, one step as before, with home-realm discovery on submit.

    An address routed to single sign-on (see `sso.routing`) goes to its identity
    provider; the password may then be left empty.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sso_connection = None
        if "password" in self.fields:
            self.fields["password"].required = False
            self.fields[
                "password"
            ].help_text = "Signing in through your organization's single sign-on? Leave it empty."

    def clean(self):
        if self._errors:
            return self.cleaned_data
        email = self.cleaned_data.get("login") or ""
        password = self.cleaned_data.get("password") or ""
        self.sso_connection = routing.route(email=email, password=password)
        if self.sso_connection is not None:
            return self.cleaned_data
        if "password" in self.fields and not password:
            self.add_error("password", forms.ValidationError("Enter your password.", "required"))
            return self.cleaned_data
        return super().clean()

    def login(self, request, redirect_url=None):
        if self.sso_connection is not None:
            try:
                return routing.start(
                    request,
                    self.sso_connection,
                    next_url=redirect_url,
                    login_hint=self.cleaned_data.get("login") or "",
                )
            except UNREACHABLE as exc:
                return provider_down(request, exc)
        return super().login(request, redirect_url=redirect_url)


class DomainForm(forms.Form):
    domain = forms.CharField(max_length=253, help_text="e.g. example.com")


class ConnectionForm(forms.ModelForm):
    issuer_url = forms.URLField(
        label="Issuer or discovery URL",
        max_length=500,
        assume_scheme="https",
        help_text=OidcConnection._meta.get_field("issuer_url").help_text,
    )
    secret = forms.CharField(
        label="Client secret",
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again.",
    )

    class Meta:
        model = OidcConnection
        fields = ["name", "issuer_url", "client_id", "enabled", "assign_membership_on_login"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.has_secret:
            self.fields["secret"].help_text = (
                "A secret is stored (encrypted). Leave empty to keep it; type a new one "
                "to replace it."
            )

    def clean_issuer_url(self):
        url = self.cleaned_data["issuer_url"]
        host = urlsplit(url).hostname or ""
        # Plain http only to a provider on this machine (a development or demo IdP).
        if not (url.startswith("https://") or host in LOOPBACK_HOSTS or settings.DEBUG):
            raise forms.ValidationError("Enter an https URL.", code="invalid_url")
        return url.rstrip("/") if "/.well-known/" not in url else url


class SsoOnlyForm(forms.Form):
    """The sign-in rules: SSO only, and how people of the verified domains join."""

    sso_only = forms.BooleanField(required=False, label="SSO only")
    domain_join = forms.ChoiceField(
        required=False,
        label="Joining by verified domain",
        choices=SsoPolicy.DomainJoin.choices,
        widget=forms.RadioSelect,
    )


class RequestToJoinForm(forms.Form):
    message = forms.CharField(
        label="Message to the admins (optional)",
        required=False,
        max_length=JoinRequest._meta.get_field("message").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Say who you are or why you need access.",
    )


class SamlConnectionForm(forms.ModelForm):
    """A SAML IdP by its metadata URL (read when people sign in) or its metadata XML."""

    idp_metadata_url = forms.URLField(
        label="IdP metadata URL",
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    idp_metadata_xml = forms.CharField(
        label="IdP metadata XML",
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Paste the IdP's metadata instead of giving its URL.",
    )

    class Meta:
        model = SamlConnection
        fields = [
            "name",
            "idp_metadata_url",
            "idp_entity_id",
            "enabled",
            "assign_membership_on_login",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["idp_entity_id"].required = False
        self.fields["idp_entity_id"].help_text = "Read from the metadata XML when pasted."

    def clean(self):
        data = super().clean()
        xml = (data.get("idp_metadata_xml") or "").strip()
        data["idp_sso_url"] = self.instance.idp_sso_url
        data["idp_x509cert"] = self.instance.idp_x509cert
        if xml:
            from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

            try:
                parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml.encode()).get("idp", {})
            except Exception as exc:  # any parse failure is the input's
                raise forms.ValidationError(
                    "That is not IdP metadata XML.", code="invalid_metadata"
                ) from exc
            sso_url = (parsed.get("singleSignOnService") or {}).get("url", "")
            cert = parsed.get("x509cert") or next(
                iter((parsed.get("x509certMulti") or {}).get("signing", [])), ""
            )
            if not (parsed.get("entityId") and sso_url and cert):
                raise forms.ValidationError(
                    "The metadata lacks the entity ID, the sign-in URL or the signing certificate.",
                    code="incomplete_metadata",
                )
            data.update(
                idp_entity_id=parsed["entityId"],
                idp_sso_url=sso_url,
                idp_x509cert=cert,
                idp_metadata_url="",
            )
        elif data.get("idp_metadata_url"):
            if not data.get("idp_entity_id"):
                self.add_error("idp_entity_id", "Give the IdP's entity ID with its metadata URL.")
        elif not (data["idp_sso_url"] and data["idp_x509cert"]):
            raise forms.ValidationError(
                "Give the IdP's metadata URL, or paste its metadata XML.", code="required"
            )
        return data

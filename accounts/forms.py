"""Account forms: the account type chosen at sign-up and edited in the profile; the
confirmation asked before two-factor authentication is turned off."""

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import BaseAuthenticateForm
from django import forms

from .models import User

ACCOUNT_TYPE_HELP = (
    "A business account represents a company; the platform may allow only business "
    "accounts to create organizations. You can change it later in your profile."
)


class AccountTypeSignupForm(forms.Form):
    """Mixed into allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    account_type = forms.ChoiceField(
        label="Account type",
        choices=[
            (User.AccountType.PERSONAL, "Personal account"),
            (User.AccountType.BUSINESS, "Business account"),
        ],
        initial=User.AccountType.PERSONAL,
        # Clients that send no choice (scripts, older forms) get a personal account.
        required=False,
        help_text=ACCOUNT_TYPE_HELP,
    )

    def signup(self, request, user):
        user.account_type = self.cleaned_data.get("account_type") or User.AccountType.PERSONAL
        user.save(update_fields=["account_type"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "account_type"]
        help_texts = {"account_type": ACCOUNT_TYPE_HELP}


class PasswordAndCodeForm(BaseAuthenticateForm):
    """The password and a second-factor code (authenticator app or recovery code).

    Asked before two-factor authentication is turned off: a stolen session alone, or a
    password alone, cannot take the second factor away.
    """

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code from your authenticator app, or a recovery code"
        self.fields["code"].widget.attrs.pop("placeholder", None)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="incorrect_password")
        return password

    def clean_code(self):
        # A wrong password is reported alone: the code is neither tried nor used up.
        if "password" not in self.cleaned_data:
            return self.cleaned_data.get("code", "")
        return super().clean_code()


class DeactivateTOTPForm(PasswordAndCodeForm):
    """allauth's form for removing the authenticator app (MFA_FORMS), with the password
    and a code asked first."""

    def __init__(self, *args, **kwargs):
        self.authenticator = kwargs.pop("authenticator")
        kwargs["user"] = self.authenticator.user
        super().__init__(*args, **kwargs)
        # allauth binds the form to empty data on GET to show its refusals early;
        # a form that asks for input starts unbound instead.
        if not self.data:
            self.is_bound = False

    def clean(self):
        cleaned_data = super().clean()
        adapter = get_mfa_adapter()
        if not adapter.can_delete_authenticator(self.authenticator):
            raise adapter.validation_error("cannot_delete_authenticator")
        return cleaned_data

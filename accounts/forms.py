"""Account forms: the account type chosen at sign-up and edited in the profile."""

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

from django import forms

from .clients import NAME_MAX_LENGTH
from .scopes import SCOPES


class OrgClientForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        help_text="Say what uses it, e.g. “HR sync” or “CI”. Your teammates see it.",
    )
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{scope} — {label}") for scope, label in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="Grant only what it needs. It acts as an admin of this organization and "
        "its child organizations, within these scopes.",
    )

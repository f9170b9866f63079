"""Forms check the shape of input; the services check the rules and save."""

from django import forms
from django.core.exceptions import ValidationError

from .audit_log import Filters
from .models import GovernanceSettings, Membership, Organization, OrganizationalUnit
from .validators import (
    METADATA_MAX_LENGTH,
    METADATA_MAX_PAIRS,
    NAME_MAX_LENGTH,
    REASON_MAX_LENGTH,
    validate_color,
    validate_logo_url,
    validate_org_name,
)

ORG_TYPE_CHOICES = [("", "—"), *Organization.OrgType.choices]

NAME_HELP = (
    "Used in URLs and typed to find the organization: lowercase letters, digits, "
    "_ and -, up to 50 characters. Suggested from the display name."
)


class NewOrganizationForm(forms.Form):
    """Display name first; the name is suggested from it (in the browser, or on save)."""

    display_name = forms.CharField(
        max_length=255, widget=forms.TextInput(attrs={"autofocus": True})
    )
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        required=False,
        validators=[validate_org_name],
        help_text=NAME_HELP,
        widget=forms.TextInput(
            attrs={"data-name-from": "id_display_name", "autocapitalize": "none"}
        ),
    )


class OrganizationCreateForm(NewOrganizationForm):
    org_type = forms.ChoiceField(
        label="Organization type",
        choices=ORG_TYPE_CHOICES,
        required=False,
    )
    primary_email = forms.EmailField(required=False)
    invite_members_now = forms.BooleanField(
        label="Invite members now",
        required=False,
        help_text="Go on to the invite page of the new organization.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The creator takes one user seat; inviting needs at least one more.
        seat_limit = GovernanceSettings.get_solo().default_user_seat_limit
        if seat_limit <= 1:
            field = self.fields["invite_members_now"]
            field.disabled = True
            field.help_text = (
                f"New organizations get {seat_limit} user seat{'s' if seat_limit != 1 else ''}:"
                " there is no seat left to invite anyone."
            )

    def service_data(self) -> dict:
        """The cleaned data `create_organization` takes."""
        return {k: v for k, v in self.cleaned_data.items() if k != "invite_members_now"}


class OrganizationSettingsForm(forms.Form):
    display_name = forms.CharField(max_length=255)
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        validators=[validate_org_name],
        help_text=NAME_HELP + " Changing it changes every URL of the organization.",
        widget=forms.TextInput(attrs={"autocapitalize": "none"}),
    )
    org_type = forms.ChoiceField(
        label="Organization type",
        choices=ORG_TYPE_CHOICES,
        required=False,
    )
    primary_email = forms.EmailField(required=False)
    logo_url = forms.CharField(
        label="Logo URL",
        max_length=500,
        required=False,
        validators=[validate_logo_url],
        help_text="An https:// address of an image.",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    primary_color = forms.CharField(
        max_length=7,
        required=False,
        validators=[validate_color],
        help_text="#RRGGBB",
        widget=forms.TextInput(attrs={"data-color-picker": "true", "placeholder": "#RRGGBB"}),
    )
    page_background_color = forms.CharField(
        max_length=7,
        required=False,
        validators=[validate_color],
        help_text="#RRGGBB",
        widget=forms.TextInput(attrs={"data-color-picker": "true", "placeholder": "#RRGGBB"}),
    )


class MetadataRowForm(forms.Form):
    key = forms.CharField(max_length=METADATA_MAX_LENGTH, required=False)
    value = forms.CharField(max_length=METADATA_MAX_LENGTH, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("value") and not cleaned.get("key", "").strip():
            self.add_error("key", ValidationError("Enter a key for this value.", code="key_empty"))
        return cleaned


class BaseMetadataFormSet(forms.BaseFormSet):
    """The org's metadata rows. The stored pairs, not the management form's
    INITIAL_FORMS, say which rows are initial: every stored row is validated (and kept)
    even when a crafted form claims there are none, so that a duplicate key cannot
    slip past the check and replace a stored pair."""

    def initial_form_count(self):
        if self.is_bound:
            return min(len(self.initial or ()), self.total_form_count())
        return super().initial_form_count()

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            key = form.cleaned_data.get("key", "").strip()
            if not key:
                continue
            if key in seen:
                form.add_error("key", ValidationError("This key is used twice.", code="key_twice"))
            seen.add(key)
        if len(seen) > METADATA_MAX_PAIRS:
            raise ValidationError(
                "At most %(max)d metadata pairs are allowed.",
                code="metadata_too_many",
                params={"max": METADATA_MAX_PAIRS},
            )

    def to_dict(self) -> dict[str, str]:
        """The rows as a dict, without deleted and empty rows."""
        data = {}
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            key = form.cleaned_data.get("key", "").strip()
            if key:
                data[key] = form.cleaned_data.get("value", "")
        return data


MetadataFormSet = forms.formset_factory(
    MetadataRowForm,
    formset=BaseMetadataFormSet,
    extra=1,
    can_delete=True,
    max_num=METADATA_MAX_PAIRS + 1,
    absolute_max=METADATA_MAX_PAIRS + 1,
)


def metadata_initial(metadata: dict) -> list[dict]:
    return [{"key": key, "value": value} for key, value in metadata.items()]


class MemberEditForm(forms.Form):
    """A member's role and name, as an owner or admin edits them (Tyk's super admin)."""

    role = forms.ChoiceField(choices=Membership.Role.choices)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)

    def __init__(self, *args, assignable_roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label) for value, label in Membership.Role.choices if value in assignable_roles
        ]


class ConfirmForm(forms.Form):
    """The confirm step of a destructive action: only the CSRF token and the button."""


class OrganizationDeleteForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the organization's name to confirm",
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"].strip()
        if value != self.org.name:
            raise ValidationError("This is not the organization's name.", code="name_mismatch")
        return value


class NameForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autofocus": True}))


class MemberPickForm(forms.Form):
    """Pick one member of the org by email (to add to a team or a workspace).

    An address rather than a select box: an org may have thousands of members.
    """

    email = forms.EmailField(
        label="Member's email",
        widget=forms.EmailInput(attrs={"placeholder": "name@example.com", "autocomplete": "off"}),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members

    def clean_email(self):
        email = self.cleaned_data["email"]
        member = self.members.filter(user__email__iexact=email).select_related("user").first()
        if member is None:
            raise ValidationError(
                "No member of this organization has this address.", code="not_member"
            )
        self.cleaned_data["member"] = member
        return email


class UnitChoiceField(forms.ModelChoiceField):
    """A unit of the org, shown indented by depth in tree order; empty means the org's top."""

    def __init__(self, *, units: list[tuple[OrganizationalUnit, int]], **kwargs):
        queryset = OrganizationalUnit.objects.filter(pk__in=[unit.pk for unit, _ in units])
        super().__init__(queryset=queryset, required=False, **kwargs)
        self.choices = [("", self.empty_label)] + [
            (unit.pk, "\u2003" * depth + unit.name) for unit, depth in units
        ]


class UnitForm(forms.Form):
    name = forms.CharField(max_length=100)

    def __init__(self, *args, units, exclude_ids=(), parent_label="Inside unit", **kwargs):
        super().__init__(*args, **kwargs)
        units = [(unit, depth) for unit, depth in units if unit.pk not in set(exclude_ids)]
        self.fields["parent"] = UnitChoiceField(
            units=units, label=parent_label, empty_label="— top of the organization —"
        )


class UnitDeleteForm(forms.Form):
    strategy = forms.ChoiceField(
        label="What happens to what it holds?",
        widget=forms.RadioSelect,
        choices=[
            (
                "move_up",
                "Move them up one level: into its parent unit, or to the top of the organization",
            ),
            ("delete", "Delete its units and workspaces too"),
        ],
    )


class ChildOrganizationForm(NewOrganizationForm):
    """Amplify's "New Child Org" / "New Org" form, plus a display name."""

    admin_email = forms.EmailField(
        help_text="This person becomes the owner of the new organization. "
        "Your own address makes you its owner at once."
    )
    user_seats = forms.IntegerField(min_value=1, label="User seats (Dashboard Users)")
    device_seats = forms.IntegerField(min_value=0, initial=0, label="Device seats")
    invite_members = forms.BooleanField(
        required=False,
        label="Invite members now",
        help_text="Go on to invite people once it is created. Needs more than one user seat.",
        widget=forms.CheckboxInput(attrs={"data-enabled-when-above": "id_user_seats:1"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("invite_members") and (cleaned.get("user_seats") or 0) <= 1:
            self.add_error(
                "invite_members",
                ValidationError(
                    "Inviting members needs more than one user seat: the owner takes one.",
                    code="invite_needs_seats",
                ),
            )
        return cleaned


class SeatsForm(forms.Form):
    user_seats = forms.IntegerField(min_value=0, label="User seats")
    device_seats = forms.IntegerField(min_value=0, label="Device seats")


class DeviceForm(forms.Form):
    name = forms.CharField(max_length=100)
    identifier = forms.CharField(
        max_length=100, help_text="Unique within the organization, e.g. a serial number."
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The requester reads this and can answer by editing and re-submitting.",
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Its members see this on every page of the organization, and its owners "
        "are emailed it.",
    )


class StaffOrganizationCreateForm(NewOrganizationForm):
    """Staff create an organization for someone: the owner is named by email."""

    field_order = ["owner_email", "display_name", "name", "org_type", "primary_email"]

    owner_email = forms.EmailField(
        help_text="An existing account becomes the owner at once; anyone else is invited "
        "as the owner.",
    )
    org_type = forms.ChoiceField(
        label="Organization type", choices=ORG_TYPE_CHOICES, required=False
    )
    primary_email = forms.EmailField(required=False)


class AuditFilterForm(forms.Form):
    """The audit log's filters; every field is optional."""

    action = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. member.invite", "list": "audit-actions"}
        ),
    )
    actor = forms.EmailField(
        label="Actor's email",
        required=False,
        widget=forms.EmailInput(attrs={"placeholder": "anyone"}),
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error(
                "until",
                ValidationError("Pick a date on or after the first one.", code="date_order"),
            )
        return cleaned

    def filters(self) -> Filters:
        """The filters to apply: the valid fields only, so that one typo drops no other."""
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return Filters(
            action=(data.get("action") or "").strip(),
            actor=(data.get("actor") or "").strip(),
            since=data.get("since"),
            until=data.get("until"),
        )


# --- Security policy --------------------------------------------------------------------


class SecurityPolicyForm(forms.Form):
    """The Security tab: the service checks ranges, domains and the lock-out guard."""

    require_mfa = forms.BooleanField(
        label="Require two-factor authentication",
        required=False,
        help_text="Members without it are sent to set it up before they see anything of "
        "the organization. Turn it on for your own account first.",
    )
    allowed_email_domains = forms.CharField(
        label="Allowed email domains",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "autocapitalize": "none"}),
        help_text="One per line, like example.com (its subdomains are included). New "
        "members and invitations must use one of them; existing members stay. Empty for any.",
    )
    session_lifetime_hours = forms.IntegerField(
        label="Session lifetime (hours)",
        required=False,
        min_value=1,
        max_value=24 * 30,
        help_text="Ask for the password again on this organization's pages after this many "
        "hours since signing in. Empty for no limit.",
    )
    reauthentication_minutes = forms.IntegerField(
        label="Re-authentication window for sensitive actions (minutes)",
        required=False,
        min_value=1,
        max_value=24 * 60,
        help_text="Deleting the organization and changing or removing owners ask for the "
        "password unless it was entered within this many minutes. Empty for the default "
        "(%(default)d).",
    )

    def __init__(self, *args, default_reauthentication_minutes: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reauthentication_minutes"]
        field.help_text = field.help_text % {"default": default_reauthentication_minutes}

    def clean_allowed_email_domains(self) -> list[str]:
        from .security import parse_domains

        return parse_domains(self.cleaned_data["allowed_email_domains"])


class MfaReminderForm(forms.Form):
    """Remind one member (`member`) or, without it, every member lacking MFA."""

    member = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

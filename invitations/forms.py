"""Forms check the shape of input; the services check the rules and save."""

from allauth.account.forms import SignupForm
from allauth.core import context as allauth_context
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from organizations.errors import OrganizationError
from organizations.mixins import client_ip
from organizations.models import Membership
from organizations.security import describe_domains

from . import services, session


class InviteForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
        help_text=(
            f"One per line or separated by commas, up to "
            f"{services.MAX_ADDRESSES_PER_REQUEST} at once."
        ),
    )
    first_name = forms.CharField(
        max_length=150, required=False, help_text="Optional; used when you invite one address."
    )
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, roles: tuple[str, ...] = (), allowed_domains=(), **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_domains:
            # The org's security policy: say up front which addresses it takes.
            self.fields["emails"].help_text += " Only " + describe_domains(allowed_domains) + "."
        self.fields["role"].choices = [
            (value, label) for value, label in Membership.Role.choices if value in roles
        ]
        if Membership.Role.OWNER not in roles:
            self.fields["role"].help_text = "Only owners can invite owners."

    def clean_emails(self) -> list[str]:
        addresses = services.parse_addresses(self.cleaned_data["emails"])
        if not addresses:
            raise ValidationError("Enter at least one email address.", code="no_addresses")
        too_long = [address for address in addresses if len(address) > services.EMAIL_MAX_LENGTH]
        if too_long:
            raise ValidationError(
                "An email address has at most %(max)d characters; this one has %(length)d: "
                "%(start)s…",
                code="address_too_long",
                params={
                    "max": services.EMAIL_MAX_LENGTH,
                    "length": len(too_long[0]),
                    "start": too_long[0][:40],
                },
            )
        if len(addresses) > services.MAX_ADDRESSES_PER_REQUEST:
            raise ValidationError(
                "Invite at most %(max)d addresses at once; you entered %(count)d.",
                code="too_many_addresses",
                params={"max": services.MAX_ADDRESSES_PER_REQUEST, "count": len(addresses)},
            )
        return addresses


class InvitationSignupForm(SignupForm):
    """allauth's sign-up form; with an invitation in the session the address is fixed.

    The invitation link proved the address, so the account starts verified (see
    `InvitationAccountAdapter.is_email_verified`) and joins the org at once. Any other
    address is refused here, so it can neither join nor pass as verified.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = allauth_context.request
        self.invitation = session.current_invitation(request) if request else None
        if self.invitation is not None:
            field = self.fields["email"]
            field.initial = self.invitation.email
            field.widget.attrs["readonly"] = True
            # Form templates print help texts unescaped (`|safe`): escape the org's name.
            field.help_text = format_html(
                "The invitation to {} was sent to this address.",
                self.invitation.organization.display_name,
            )

    def clean_email(self):
        value = super().clean_email()
        if self.invitation is not None and value.lower() != self.invitation.email.lower():
            raise ValidationError(
                "Sign up with %(email)s, the address the invitation was sent to.",
                code="invitation_email_mismatch",
                params={"email": self.invitation.email},
            )
        return value

    def save(self, request):
        user = super().save(request)
        token = session.current_token(request)
        if self.invitation is None or token is None:
            return user
        if not (user.first_name or user.last_name):
            # The inviter's spelling of the name is a better start than none.
            user.first_name = self.invitation.first_name
            user.last_name = self.invitation.last_name
            user.save(update_fields=["first_name", "last_name"])
        try:
            membership = services.accept_invitation(
                token=token, user=user, ip_address=client_ip(request)
            )
        except OrganizationError as exc:
            messages.warning(request, exc.message)
            return user
        session.mark_joined(request, membership.organization)
        messages.success(
            request,
            f"Welcome to {membership.organization.display_name}! "
            f"You joined as {membership.get_role_display().lower()}.",
        )
        return user

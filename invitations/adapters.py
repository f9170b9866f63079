from django.urls import reverse

from accounts.adapters import AccountAdapter

from . import session


class InvitationAccountAdapter(AccountAdapter):
    """allauth's adapter, aware of an invitation opened in this session."""

    def is_email_verified(self, request, email: str) -> bool:
        """Following an invitation link proves its address, and that address only.

        allauth's own stash (`stash_verified_email`) is not used: on sign-up it would
        make the stashed address primary even when another one was typed.
        """
        invitation = session.current_invitation(request)
        return invitation is not None and invitation.email.lower() == (email or "").lower()

    def unstash_verified_email(self, request):
        request.session.pop("account_verified_email", None)
        return None

    def get_signup_redirect_url(self, request) -> str:
        joined = session.pop_joined(request)
        if joined:
            return reverse("organizations:dashboard", kwargs={"org_name": joined})
        if session.current_token(request):
            return reverse("invitations:accept")
        return super().get_signup_redirect_url(request)

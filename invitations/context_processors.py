"""The inviting organization's branding on the pages an invitee passes through."""

from django.utils.functional import SimpleLazyObject

from .session import current_invitation


def _is_invitee_page(request) -> bool:
    """Sign-in, sign-up and the other account pages, and the invitation pages."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    return match.app_name == "invitations" or (match.url_name or "").startswith("account_")


def invitation_branding(request):
    """`branding_org`: the org whose invitation link was opened, read on first use only."""

    def inviting_org():
        if not _is_invitee_page(request):
            return None
        invitation = current_invitation(request)
        return invitation.organization if invitation is not None else None

    return {"branding_org": SimpleLazyObject(inviting_org)}

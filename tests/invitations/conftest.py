import pytest
from django.core import mail

from invitations import services
from notifications.models import OutboxEmail


@pytest.fixture
def invite(org, owner, django_capture_on_commit_callbacks):
    """`invite(email, **kwargs)`: invite and deliver; returns (invitation, token)."""

    def run(email="invitee@example.com", **kwargs):
        kwargs.setdefault("inviter", owner)
        kwargs.setdefault("org", org)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.invite_member(email=email, **kwargs)
        return invitation, token_from_last_mail(email)

    return run


def token_from_last_mail(email: str) -> str:
    """The token in the newest invitation email sent to `email`."""
    import re

    for message in reversed(mail.outbox):
        if message.to == [email.lower()]:
            match = re.search(r"/invitations/accept/([A-Za-z0-9_-]+)/", message.body)
            if match:
                return match.group(1)
    raise AssertionError(f"no invitation email to {email}: {[m.to for m in mail.outbox]}")


@pytest.fixture
def outbox_rows():
    return lambda: list(OutboxEmail.objects.order_by("pk"))

"""Pending invitations and one expired one for the demo org `acme`; idempotent."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from invitations import services
from invitations.models import Invitation
from organizations.models import Membership, Organization

INVITATIONS = [
    # email, first name, last name, role, inviter
    ("new.hire@acme.test", "Nora", "Newhire", Membership.Role.MEMBER, "owner@acme.test"),
    ("contractor@acme.test", "", "", Membership.Role.MEMBER, "admin@acme.test"),
    ("cto@acme.test", "Chris", "Tech", Membership.Role.ADMIN, "owner@acme.test"),
]
EXPIRED = ("late.reply@acme.test", "Lee", "Late", Membership.Role.MEMBER, "admin@acme.test")


class Command(BaseCommand):
    help = "Create demo invitations in the demo org `acme` (run load_demo_data first)."

    @transaction.atomic
    def handle(self, *args, **options):
        org = Organization.objects.filter(name="acme").first()
        if org is None:
            raise CommandError("The demo org `acme` is missing: run load_demo_data first.")
        users = get_user_model().objects
        for email, first, last, role, inviter in [*INVITATIONS, EXPIRED]:
            if org.invitations.filter(email=email).exists():
                continue
            invitation = services.invite_member(
                org=org,
                inviter=users.get(email=inviter),
                email=email,
                role=role,
                first_name=first,
                last_name=last,
            )
            if email == EXPIRED[0]:
                # As if it had been sent long ago and the sweep had seen it expire.
                past = timezone.now() - timedelta(days=10)
                Invitation.objects.filter(pk=invitation.pk).update(
                    expires_at=past + timedelta(days=7), last_sent_at=past, created_at=past
                )
        services.expire_invitations()
        self.stdout.write(
            self.style.SUCCESS("Demo invitations are loaded: see /o/acme/invitations/.")
        )

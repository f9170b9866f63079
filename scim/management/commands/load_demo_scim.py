"""The demo's SCIM provisioning: wayne's SCIM token (a fixed demo value) and a few
users and a team its identity provider provisioned; prints the token and a curl line.
Running it again changes nothing."""

import os

from django.core.management.base import BaseCommand
from django.db import transaction

from organizations.management.commands.load_demo_data import WAYNE_NAME
from organizations.management.commands.load_demo_data import Command as DemoData
from organizations.models import Organization
from scim import demo, services
from scim.actors import ScimActor
from scim.models import ScimUser

# Public on purpose, and only ever in the demo data: real tokens are random.
DEMO_SCIM_TOKEN = "scim_demo-wayne-enterprises-token-0000000000000000"

PROVISIONED = [
    # email, first name, last name
    ("lucius@wayne.test", "Lucius", "Fox"),
    ("alfred@wayne.test", "Alfred", "Pennyworth"),
]
PROVISIONED_TEAM = ("Applied Sciences", ["lucius@wayne.test"])


class Command(BaseCommand):
    help = "Give the demo org wayne a SCIM token and provisioned users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-only", action="store_true", help="Only print the token and a curl line."
        )

    def handle(self, *args, print_only=False, **options):
        if not print_only:
            self.load()
        site = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
        self.stdout.write(
            f"SCIM provisioning: wayne's demo SCIM token is {DEMO_SCIM_TOKEN} "
            f"(its Provisioning tab: {site}/o/{WAYNE_NAME}/provisioning/); list its users with"
        )
        self.stdout.write(
            f'  curl -H "Authorization: Bearer {DEMO_SCIM_TOKEN}" {site}/scim/v2/{WAYNE_NAME}/Users'
        )

    @transaction.atomic
    def load(self):
        org = Organization.objects.filter(name=WAYNE_NAME).first() or DemoData()._wayne()
        token = demo.ensure_token(org=org, actor=org.created_by, raw=DEMO_SCIM_TOKEN)
        actor = ScimActor.of(token)
        for email, first, last in PROVISIONED:
            if not ScimUser.objects.filter(organization=org, user__email=email).exists():
                services.provision_user(
                    org=org, actor=actor, user_name=email, given_name=first, family_name=last
                )
        name, emails = PROVISIONED_TEAM
        if not org.teams.filter(name=name).exists():
            ids = ScimUser.objects.filter(organization=org, user__email__in=emails)
            services.create_group(
                org=org,
                actor=actor,
                display_name=name,
                member_ids=[str(s.scim_id) for s in ids],
            )

"""The demo's API clients: a platform client and one of acme; prints their credentials.

Their secrets must be printable on every run, yet only a hash is stored: each is
derived from SECRET_KEY (public on purpose, like the demo's passwords). A secret
rotated in the portal is put back to the demo's value by the next run.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.crypto import salted_hmac

from api import clients
from api.models import ApiClient
from api.scopes import ALL_SCOPES
from organizations.models import Organization

PLATFORM_CLIENT_ID = "demo-platform-client"
ACME_CLIENT_ID = "demo-acme-client"


def demo_secret(client_id: str) -> str:
    return salted_hmac("orgportal.demo-api-client", client_id).hexdigest()


class Command(BaseCommand):
    help = "Create the demo's API clients (idempotent) and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--print-only", action="store_true", help="Only print the credentials.")

    def handle(self, *args, print_only=False, **options):
        if not print_only:
            self.load()
        self.stdout.write(
            "  API (see README, Management API; token at POST /oauth/token, docs at /api/v2/docs/):"
        )
        for label, client_id in (
            ("platform client (all orgs)", PLATFORM_CLIENT_ID),
            ("acme client (acme and its children)", ACME_CLIENT_ID),
        ):
            if ApiClient.objects.filter(pk=client_id).exists():
                self.stdout.write(
                    f"  {label:<36} client_id {client_id}  client_secret {demo_secret(client_id)}"
                )

    @transaction.atomic
    def load(self):
        users = get_user_model().objects
        admin = users.filter(email="admin@orgportal.test").first()
        acme = Organization.objects.filter(name="acme").first()
        owner = users.filter(email="owner@acme.test").first()
        if admin is not None and not ApiClient.objects.filter(pk=PLATFORM_CLIENT_ID).exists():
            clients.create_platform_client(
                actor=admin,
                name="Demo platform client",
                scopes=list(ALL_SCOPES),
                client_id=PLATFORM_CLIENT_ID,
                secret=demo_secret(PLATFORM_CLIENT_ID),
            )
        if (
            acme is not None
            and owner is not None
            and not ApiClient.objects.filter(pk=ACME_CLIENT_ID).exists()
        ):
            clients.create_org_client(
                org=acme,
                actor=owner,
                name="Acme HR sync",
                scopes=list(ALL_SCOPES),
                client_id=ACME_CLIENT_ID,
                secret=demo_secret(ACME_CLIENT_ID),
            )
        for api_client in ApiClient.objects.filter(
            pk__in=[PLATFORM_CLIENT_ID, ACME_CLIENT_ID], revoked_at__isnull=True
        ).select_related("client"):
            secret = demo_secret(api_client.pk)
            if not api_client.client.check_secret(secret):
                api_client.client.set_secret(secret)
                api_client.client.save(update_fields=["secret"])

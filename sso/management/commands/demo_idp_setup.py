"""Set up the demo identity provider (run with `--settings sso.demo_idp.settings`)."""

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create (or update) the demo provider's OIDC client and its users. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--redirect-uri", action="append", default=[])
        parser.add_argument(
            "--user", action="append", default=[], help="email[:First Last], repeatable"
        )
        parser.add_argument("--password", required=True)

    def handle(self, *args, **options):
        if not apps.is_installed("allauth.idp.oidc"):
            raise CommandError("Run with --settings sso.demo_idp.settings.")
        from allauth.idp.oidc.models import Client

        client, _ = Client.objects.get_or_create(
            id=options["client_id"], defaults={"name": "Orgportal"}
        )
        client.name = "Orgportal"
        client.set_secret(options["client_secret"])
        client.set_scopes(["openid", "profile", "email"])
        client.set_default_scopes(["openid", "profile", "email"])
        client.set_redirect_uris(options["redirect_uri"])
        client.skip_consent = True
        client.save()
        User = get_user_model()
        for entry in options["user"]:
            email, _, name = entry.partition(":")
            first, _, last = name.partition(" ")
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User(email=email)
            user.first_name, user.last_name = first, last
            user.set_password(options["password"])
            user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        self.stdout.write(
            f"Demo identity provider: client {client.id}, {len(options['user'])} user(s)."
        )

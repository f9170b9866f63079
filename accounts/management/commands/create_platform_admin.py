"""Create the first platform admin: a superuser whose email address is verified.

    manage.py create_platform_admin --email ops@example.com

The password is asked twice on the terminal (or read from PLATFORM_ADMIN_PASSWORD with
--no-input) and checked by the password validators. Django's `createsuperuser` would
leave the address unverified, and allauth would then ask to confirm it at the first
sign-in; this one marks it verified, since the operator typed it on the server.
"""

import getpass
import os

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction


class Command(BaseCommand):
    help = "Create a platform admin (superuser) with a verified email address."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="read the password from the PLATFORM_ADMIN_PASSWORD environment variable",
        )

    def handle(self, *args, email, no_input, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not a valid email address: {email}") from exc
        User = get_user_model()
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"An account with {email} exists already.")
        password = self._password(no_input)
        user = User(email=email, is_staff=True, is_superuser=True)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            user.set_password(password)
            user.save()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        self.stdout.write(f"Platform admin {email} created; sign in at /accounts/login/.")

    def _password(self, no_input: bool) -> str:
        if no_input:
            password = os.environ.get("PLATFORM_ADMIN_PASSWORD", "")
            if not password:
                raise CommandError("Set PLATFORM_ADMIN_PASSWORD, or leave out --no-input.")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password

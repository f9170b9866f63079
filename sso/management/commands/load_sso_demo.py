"""The enterprise sign-in demo: org `wayne` with a verified domain and an OIDC connection.

Run after `load_demo_data`. The connection points at the demo identity provider that
`make run` starts beside the portal (`sso/demo_idp`, port 8430). Idempotent.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from organizations import services
from organizations.management.commands.load_demo_data import DEMO_PASSWORD
from organizations.models import Membership, Organization
from sso import crypto, join_requests
from sso import services as sso_services
from sso.models import JoinRequest, OidcConnection, SsoPolicy, VerifiedDomain

DEMO_CLIENT_ID = "orgportal-wayne"
# A demo secret, public on purpose: the demo provider accepts it from this portal only.
DEMO_CLIENT_SECRET = "wayne-demo-client-secret"
DEMO_CONNECTION_KEY = "wayne"
# The provider's users: bruce owns wayne and lucius is a member (both also have a
# portal password); alfred and selina exist only at the provider and join on sign-in.
# harvey has only a portal password and asked to join wayne ("ask to join"): his
# request waits for bruce on wayne's Members page.
PORTAL_USERS = [
    ("bruce@wayne.test", "Bruce", "Wayne", Membership.Role.OWNER),
    ("lucius@wayne.test", "Lucius", "Fox", Membership.Role.MEMBER),
]
REQUESTER = ("harvey@wayne.test", "Harvey", "Dent")
REQUEST_MESSAGE = "District attorney's office: I need the Wayne Enterprises workspace."
IDP_USERS = [
    "bruce@wayne.test:Bruce Wayne",
    "lucius@wayne.test:Lucius Fox",
    "alfred@wayne.test:Alfred Pennyworth",
    "selina@wayne.test:Selina Kyle",
]


class Command(BaseCommand):
    help = "Create the demo org wayne (verified domain wayne.test, Wayne SSO connection)."

    def add_arguments(self, parser):
        parser.add_argument("--idp-url", default="http://127.0.0.1:8430")
        parser.add_argument("--print-only", action="store_true")

    def handle(self, *args, idp_url, print_only=False, **options):
        if not print_only:
            self.load(idp_url.rstrip("/"))
        site = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
        self.stdout.write(self.style.SUCCESS("Enterprise sign-in (Wayne Enterprises):"))
        self.stdout.write(
            f'  {site}/o/wayne/login/ -> "Sign in with Wayne SSO", at the provider '
            f"({idp_url}) alfred@wayne.test / {DEMO_PASSWORD}"
        )
        self.stdout.write(
            f"  or {site}/accounts/login/: type selina@wayne.test, leave the password empty"
        )
        self.stdout.write(f"  owner (break-glass password): bruce@wayne.test / {DEMO_PASSWORD}")
        self.stdout.write(
            f"  request to join: harvey@wayne.test / {DEMO_PASSWORD} asked to join wayne; "
            f"bruce approves it at {site}/o/wayne/members/join-requests/"
        )

    @transaction.atomic
    def load(self, idp_url: str) -> None:
        users = {}
        for email, first, last, _ in PORTAL_USERS:
            user, created = get_user_model().objects.get_or_create(
                email=email,
                defaults={"first_name": first, "last_name": last, "account_type": "business"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            users[email] = user
        owner = users["bruce@wayne.test"]
        org = Organization.objects.filter(name="wayne").first()
        if org is None:
            org = services.create_organization(
                creator=owner,
                display_name="Wayne Enterprises",
                name="wayne",
                org_type="company",
                primary_email="bruce@wayne.test",
            )
            services.update_organization(org=org, actor=owner, primary_color="#1f2a44")
        if org.is_pending:
            admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            services.approve_organization(org=org, actor=admin)
            org.refresh_from_db()
        for email, _, _, role in PORTAL_USERS:
            if (
                role != Membership.Role.OWNER
                and not org.memberships.filter(user=users[email]).exists()
            ):
                services.add_member(org=org, user=users[email], role=role, actor=owner)
        domain, _ = VerifiedDomain.objects.get_or_create(
            organization=org, domain="wayne.test", defaults={"created_by": owner}
        )
        if not domain.is_verified:
            # The demo's domain cannot be published in DNS: it is taken as checked.
            domain.verified_at = timezone.now()
            domain.save(update_fields=["verified_at"])
        OidcConnection.objects.update_or_create(
            key=DEMO_CONNECTION_KEY,
            defaults={
                "organization": org,
                "name": "Wayne SSO",
                "issuer_url": idp_url,
                "client_id": DEMO_CLIENT_ID,
                "secret_encrypted": crypto.encrypt(DEMO_CLIENT_SECRET),
                "enabled": True,
                "assign_membership_on_login": True,
            },
        )
        policy = SsoPolicy.objects.filter(organization=org).first()
        if policy is None or not policy.asks_to_join:
            sso_services.set_sso_only(
                org=org,
                actor=owner,
                sso_only=bool(policy and policy.sso_only),
                domain_join=SsoPolicy.DomainJoin.REQUEST,
            )
        self.request_to_join(org)

    def request_to_join(self, org: Organization) -> None:
        """harvey's request to join wayne, made once: decided, it stays decided."""
        email, first, last = REQUESTER
        user, created = get_user_model().objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if JoinRequest.objects.filter(organization=org, user=user).exists():
            return
        if org.memberships.filter(user=user).exists():
            return
        join_requests.request_to_join(actor=user, org=org, message=REQUEST_MESSAGE)

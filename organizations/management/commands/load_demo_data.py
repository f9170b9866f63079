"""Load the demo data `make run` shows; running it again changes nothing."""

import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import SignInEvent
from organizations import services
from organizations.models import (
    Membership,
    Organization,
    OrganizationalUnit,
    SecurityPolicy,
    Workspace,
)

DEMO_PASSWORD = "orgportal-demo"
# owner@globex.test signs in with a second factor: this key in an authenticator app
# (or the code `make run` prints) completes the sign-in. A demo key, public on purpose.
DEMO_TOTP_USER = "owner@globex.test"
DEMO_TOTP_SECRET = "N5ZGO4DPOJ2GC3BNMRSW23ZNORXXI4BB"

# Past sign-ins on the Security page of these accounts: (how long ago, succeeded, the
# password was right, IP, user agent). Documentation addresses (RFC 5737), made up.
DEMO_SIGN_IN_HISTORY_USERS = ["owner@acme.test", "owner@globex.test", "owner@umbrella.test"]
DEMO_SIGN_INS = [
    (
        timedelta(days=12, hours=3),
        True,
        True,
        "203.0.113.10",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
    (
        timedelta(days=5, hours=7),
        True,
        True,
        "198.51.100.24",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    (timedelta(days=2, hours=1), False, False, "192.0.2.77", "python-requests/2.32.3"),
    (timedelta(days=2), False, False, "192.0.2.77", "python-requests/2.32.3"),
    (
        timedelta(hours=5),
        True,
        True,
        "203.0.113.10",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
]

USERS = [
    # email, first name, last name, staff
    ("admin@orgportal.test", "Pat", "Platform", True),
    ("owner@acme.test", "Olivia", "Owner", False),
    ("admin@acme.test", "Adam", "Admin", False),
    ("member@acme.test", "Mia", "Member", False),
    ("dev@acme.test", "Dev", "Eloper", False),
    ("owner@globex.test", "Gus", "Globex", False),
    ("founder@initrode.test", "Ines", "Initrode", False),
    ("ceo@hooli.test", "Hank", "Hooli", False),
    ("owner@vandelay.test", "Art", "Vandelay", False),
    ("owner@umbrella.test", "Uma", "Umbrella", False),
]

# Owners of organizations sign up as business accounts.
BUSINESS_ACCOUNTS = {
    "owner@acme.test",
    "owner@globex.test",
    "founder@initrode.test",
    "ceo@hooli.test",
    "owner@vandelay.test",
    "owner@umbrella.test",
}

# Self-registered requests in the approval queue: name, display name, type, owner, and
# the reason a platform admin gave when rejecting it (empty: still pending).
REQUESTS = [
    ("initrode", "Initrode", "company", "founder@initrode.test", ""),
    ("hooli", "Hooli XYZ", "company", "ceo@hooli.test", ""),
    (
        "vandelay",
        "Vandelay Industries",
        "other",
        "owner@vandelay.test",
        "We could not find Vandelay Industries in the company register. "
        "Please add your registration number to the metadata and re-submit.",
    ),
]

ORGS = [
    # name, display name, type, owner, colour, [(member, role)]
    (
        "acme",
        "Acme Corporation",
        "company",
        "owner@acme.test",
        "#1A73E8",
        [
            ("admin@acme.test", Membership.Role.ADMIN),
            ("member@acme.test", Membership.Role.MEMBER),
            ("dev@acme.test", Membership.Role.MEMBER),
        ],
    ),
    ("acme-labs", "Acme Labs", "education", "owner@acme.test", "#0F9D58", []),
    (
        "globex",
        "Globex Reseller",
        "company",
        "owner@globex.test",
        "#DB4437",
        [("member@acme.test", Membership.Role.MEMBER)],
    ),
    (
        "umbrella",
        "Umbrella Corporation",
        "company",
        "owner@umbrella.test",
        "#B31B1B",
        [("member@acme.test", Membership.Role.MEMBER)],
    ),
]

# Organizations the platform admins suspended, and why.
SUSPENDED = {
    "umbrella": "Reports of spam sent from this organization's invitations. Contact "
    "trust@orgportal.test to have the suspension lifted.",
}


# Enterprise sign-in: the demo org `wayne` (Wayne Enterprises). Keyed on its name, so
# every demo loader that needs it finds the same org.
WAYNE_NAME = "wayne"
WAYNE_DISPLAY_NAME = "Wayne Enterprises"
WAYNE_OWNER = ("bruce@wayne.test", "Bruce", "Wayne")


# acme's teams, units and workspaces: (team, [members]); (unit, parent unit); (workspace, unit,
# [members]).
ACME_TEAMS = [
    ("Engineering", ["admin@acme.test", "dev@acme.test"]),
    ("Design", ["member@acme.test"]),
]
ACME_UNITS = [("Product", None), ("Platform", "Product"), ("Sales", None)]
ACME_WORKSPACES = [
    ("Web app", "Product", ["dev@acme.test", "member@acme.test"]),
    ("Infrastructure", "Platform", ["admin@acme.test", "dev@acme.test"]),
    ("EMEA deals", "Sales", []),
    ("Sandbox", None, ["member@acme.test"]),
]


class Command(BaseCommand):
    help = "Create demo users and organizations (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--logins-only",
            action="store_true",
            help="Only print the demo logins (after other demo commands have run).",
        )

    def handle(self, *args, logins_only=False, **options):
        if not logins_only:
            # The demo's emails are sent once this commits; the logins come after them.
            self.load()
        self.print_logins()

    @transaction.atomic
    def load(self):
        users = {
            email: self._user(email, first, last, staff) for email, first, last, staff in USERS
        }
        for name, display_name, org_type, owner, colour, members in ORGS:
            org = Organization.objects.filter(name=name).first()
            if org is None:
                org = services.create_organization(
                    creator=users[owner],
                    display_name=display_name,
                    name=name,
                    org_type=org_type,
                    primary_email=owner,
                )
                services.update_organization(
                    org=org,
                    actor=users[owner],
                    primary_color=colour,
                    metadata={"region": "eu-west", "plan": "demo"},
                )
            if org.is_pending:
                services.approve_organization(org=org, actor=users["admin@orgportal.test"])
                org.refresh_from_db()
            for email, role in members:
                if not org.memberships.filter(user=users[email]).exists():
                    services.add_member(org=org, user=users[email], role=role, actor=users[owner])
        self._acme_structure(users)
        self._reseller(users)
        self._devices(users)
        self._requests(users)
        self._suspensions(users)
        self._second_factors(users)
        self._security_policies(users)
        self._sign_in_history(users)
        self._wayne()

    def print_logins(self):
        self.stdout.write(
            self.style.SUCCESS("Demo data is loaded. Sign in at /accounts/login/ with:")
        )
        self.stdout.write(f"  platform admin   admin@orgportal.test / {DEMO_PASSWORD}  (/admin/)")
        self.stdout.write(f"  org owner        owner@acme.test / {DEMO_PASSWORD}  (/o/acme/)")
        self.stdout.write(f"  org admin        admin@acme.test / {DEMO_PASSWORD}")
        self.stdout.write(f"  org member       member@acme.test / {DEMO_PASSWORD}")
        self.stdout.write(
            f"  reseller owner   owner@globex.test / {DEMO_PASSWORD}  (/o/globex/children/)"
        )
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))
        self.stdout.write(
            f"                   then a code from an authenticator app with the key "
            f"{DEMO_TOTP_SECRET} (right now: {code}; a new one every 30 s)"
        )
        self.stdout.write(
            "  passkeys and security keys need a host name: open http://localhost:<port>/, "
            "not 127.0.0.1 (Security, then 'Add a key or passkey')"
        )
        self.stdout.write(
            "  MFA policy       globex requires two-factor authentication (its Security tab):"
        )
        self.stdout.write(
            "                   member@acme.test is sent to set it up there; acme stays open"
        )
        self.stdout.write(
            f"  waiting request  founder@initrode.test / {DEMO_PASSWORD}  "
            "(approve it at /staff/approvals/)"
        )
        self.stdout.write(f"  rejected request owner@vandelay.test / {DEMO_PASSWORD}")
        self.stdout.write(
            f"  suspended org    owner@umbrella.test / {DEMO_PASSWORD}  (/o/umbrella/, "
            "read-only; lift it from its staff page)"
        )
        self.stdout.write(
            "  Security (account menu, /accounts/profile/security/): signed-in sessions to "
            "sign out, and the sign-in history (the owners have some)"
        )
        # Operations: the probes, and the metrics once METRICS_TOKEN is set.
        self.stdout.write(
            "Probes: /healthz and /readyz (JSON); metrics: /metrics with "
            "METRICS_TOKEN set and 'Authorization: Bearer <token>'."
        )

    def _sign_in_history(self, users):
        """A few past sign-ins and failed attempts for the owners, for the Security page."""
        now = timezone.now()
        for email in DEMO_SIGN_IN_HISTORY_USERS:
            user = users[email]
            if SignInEvent.objects.filter(user=user).exists():
                continue
            second = (
                SignInEvent.SecondFactor.TOTP
                if email == DEMO_TOTP_USER
                else SignInEvent.SecondFactor.NONE
            )
            SignInEvent.objects.bulk_create(
                SignInEvent(
                    user=user,
                    created_at=now - ago,
                    succeeded=succeeded,
                    method=SignInEvent.Method.PASSWORD,
                    second_factor=second if password_ok else "",
                    ip=ip,
                    user_agent=user_agent,
                )
                for ago, succeeded, password_ok, ip, user_agent in DEMO_SIGN_INS
            )

    def _wayne(self) -> Organization:
        """The demo org `wayne` (Wayne Enterprises), created once, whoever asks first."""
        org = Organization.objects.filter(name=WAYNE_NAME).first()
        if org is None:
            email, first, last = WAYNE_OWNER
            owner = self._user(email, first, last, False)
            owner.account_type = "business"
            owner.save(update_fields=["account_type"])
            org = services.create_organization(
                creator=owner,
                display_name=WAYNE_DISPLAY_NAME,
                name=WAYNE_NAME,
                org_type="company",
                primary_email=email,
            )
        if org.is_pending:
            admin = get_user_model().objects.get(email="admin@orgportal.test")
            services.approve_organization(org=org, actor=admin)
            org.refresh_from_db()
        return org

    def _second_factors(self, users):
        """The demo's one account with two-factor authentication, and its recovery codes."""
        user = users[DEMO_TOTP_USER]
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
            RecoveryCodes.activate(user)

    def _security_policies(self, users):
        """globex requires MFA: its owner has it; member@acme.test (also in globex) has
        not, and is sent to set it up when opening globex, while acme stays open."""
        globex = Organization.objects.get(name="globex")
        policy = SecurityPolicy.objects.filter(organization=globex).first()
        if policy is None or not policy.require_mfa:
            services.update_security_policy(
                org=globex,
                actor=users[DEMO_TOTP_USER],
                require_mfa=True,
                allowed_email_domains=policy.allowed_email_domains if policy else [],
                session_lifetime_hours=policy.session_lifetime_hours if policy else None,
                reauthentication_minutes=policy.reauthentication_minutes if policy else None,
            )

    def _suspensions(self, users):
        """Suspend the demo's suspended orgs, once: lifted, they stay lifted on a reload."""
        staff = users["admin@orgportal.test"]
        for name, reason in SUSPENDED.items():
            org = Organization.objects.get(name=name)
            if org.is_active and not org.audit_events.filter(action="org.suspend").exists():
                services.suspend_organization(org=org, actor=staff, reason=reason)

    def _requests(self, users):
        """Requests waiting in the approval queue, and one rejected with a reason."""
        staff = users["admin@orgportal.test"]
        for name, display_name, org_type, owner, rejection in REQUESTS:
            if Organization.objects.filter(name=name).exists():
                continue
            org = services.create_organization(
                creator=users[owner],
                display_name=display_name,
                name=name,
                org_type=org_type,
                primary_email=owner,
            )
            if not org.is_pending:
                continue  # governance auto-approves: nothing waits
            if rejection:
                services.reject_organization(org=org, actor=staff, reason=rejection)

    def _reseller(self, users):
        """Globex resells: groups share its pool, customers have pools of their own."""
        staff, owner = users["admin@orgportal.test"], users["owner@globex.test"]
        globex = Organization.objects.get(name="globex")
        if not globex.is_reseller:
            services.set_reseller(org=globex, actor=staff, is_reseller=True)
            services.set_seat_limits(
                org=globex, actor=staff, user_seat_limit=100, device_seat_limit=50
            )
        children = [
            # parent, name, display name, kind, user seats, device seats
            ("globex", "globex-emea", "Globex EMEA", "group", 20, 10),
            ("globex-emea", "globex-emea-sales", "Globex EMEA Sales", "group", 5, 2),
            ("globex", "globex-apac", "Globex APAC", "group", 10, 5),
            ("globex", "initech", "Initech (customer)", "customer", 25, 10),
            ("globex", "umbrella", "Umbrella Corp (customer)", "customer", 10, 5),
        ]
        for parent, name, display_name, kind, user_seats, device_seats in children:
            if Organization.objects.filter(name=name).exists():
                continue
            services.create_child_organization(
                parent=Organization.objects.get(name=parent),
                creator=owner,
                kind=kind,
                name=name,
                display_name=display_name,
                admin_email=owner.email,
                user_seats=user_seats,
                device_seats=device_seats,
            )

    def _devices(self, users):
        devices = [
            ("acme", "owner@acme.test", "Reception kiosk", "ACME-KIOSK-01"),
            ("acme", "owner@acme.test", "Warehouse scanner", "ACME-SCAN-07"),
            ("globex", "owner@globex.test", "Lobby display", "GLX-DISP-01"),
            ("globex-emea", "owner@globex.test", "Berlin gateway", "GLX-EMEA-GW1"),
        ]
        for org_name, actor, name, identifier in devices:
            org = Organization.objects.get(name=org_name)
            if not org.devices.filter(identifier=identifier).exists():
                services.register_device(
                    org=org, actor=users[actor], name=name, identifier=identifier
                )

    def _user(self, email, first_name, last_name, staff):
        user, created = get_user_model().objects.get_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "is_staff": staff,
                "is_superuser": staff,
                "account_type": "business" if email in BUSINESS_ACCOUNTS else "personal",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _acme_structure(self, users):
        """Teams with members, a couple of units and workspaces in acme; only what is missing."""
        org = Organization.objects.get(name="acme")
        owner = users["owner@acme.test"]
        members = {m.user.email: m for m in org.memberships.select_related("user")}
        for team_name, emails in ACME_TEAMS:
            team = org.teams.filter(name=team_name).first() or services.create_team(
                org=org, actor=owner, name=team_name
            )
            for email in emails:
                if not team.members.filter(pk=members[email].pk).exists():
                    services.add_team_member(
                        org=org, actor=owner, team=team, membership=members[email]
                    )
        units = {}
        for unit_name, parent_name in ACME_UNITS:
            unit = OrganizationalUnit.objects.filter(organization=org, name=unit_name).first()
            units[unit_name] = unit or services.create_unit(
                org=org, actor=owner, name=unit_name, parent=units.get(parent_name)
            )
        for workspace_name, unit_name, emails in ACME_WORKSPACES:
            workspace = Workspace.objects.filter(
                organization=org, name=workspace_name
            ).first() or services.create_workspace(
                org=org, actor=owner, name=workspace_name, unit=units.get(unit_name)
            )
            for email in emails:
                if not workspace.members.filter(pk=members[email].pk).exists():
                    services.add_workspace_member(
                        org=org, actor=owner, workspace=workspace, membership=members[email]
                    )

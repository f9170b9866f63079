"""An organization's security policy, read: who may join, who must use MFA, how long
a sign-in and a re-entered password last on its pages.

The policy rides on the membership `selectors.membership_for` loads (the org's
`security_policy` joined in, the member's MFA as an annotation), so checking it on
every org page costs no query. `services.update_security_policy` writes it.
"""

import re
import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import get_reauthentication_flows
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef

from .models import Organization, SecurityPolicy

# What counts as two-factor authentication: an authenticator app or a security key /
# passkey. Recovery codes alone only stand in for one of those.
MFA_TYPES = ("totp", "webauthn")

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 20
MAX_SESSION_LIFETIME_HOURS = 24 * 30
MAX_REAUTHENTICATION_MINUTES = 24 * 60

MFA_GATE_SESSION_KEY = "orgportal_mfa_gate"


def policy_of(org: Organization) -> SecurityPolicy | None:
    """`org`'s policy, or None; free when the org was loaded with its policy joined in."""
    try:
        return org.security_policy
    except ObjectDoesNotExist:
        return None


def mfa_authenticators(user_ref="user"):
    """The MFA authenticators of the user `user_ref` (an OuterRef name) points at."""
    return Authenticator.objects.filter(user=OuterRef(user_ref), type__in=MFA_TYPES)


def has_mfa_annotation(user_ref: str = "user") -> Exists:
    """`Exists(...)`: whether the row's user has set up two-factor authentication."""
    return Exists(mfa_authenticators(user_ref))


def user_has_mfa(user) -> bool:
    """Whether `user` has an authenticator app or a security key (one query)."""
    return Authenticator.objects.filter(user=user, type__in=MFA_TYPES).exists()


def member_has_mfa(membership) -> bool:
    """The membership's `user_has_mfa` annotation, or one query when it was not loaded."""
    known = getattr(membership, "user_has_mfa", None)
    if known is None:
        known = user_has_mfa(membership.user)
        membership.user_has_mfa = known
    return known


def requires_mfa(org: Organization) -> bool:
    policy = policy_of(org)
    return bool(policy and policy.require_mfa)


def mfa_blocks(membership) -> bool:
    """Whether the holder of `membership` must set up MFA before opening its org."""
    return requires_mfa(membership.organization) and not member_has_mfa(membership)


# --- allowed email domains --------------------------------------------------------------


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def clean_domain(value: str) -> str:
    """A domain as stored: lowercase, without a leading `@` or trailing dot."""
    return value.strip().lower().lstrip("@").rstrip(".")


def parse_domains(text: str) -> list[str]:
    """Domains from text: one per line, or separated by commas or spaces; duplicates dropped."""
    found = []
    for part in re.split(r"[\s,;]+", text or ""):
        domain = clean_domain(part)
        if domain and domain not in found:
            found.append(domain)
    return found


def is_valid_domain(domain: str) -> bool:
    return bool(DOMAIN_PATTERN.match(domain))


def domain_allowed(domains, email: str) -> bool:
    """Whether `email` is at one of `domains` (or a subdomain of one); any when empty."""
    if not domains:
        return True
    domain = domain_of(email)
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in domains)


def allowed_domains(org: Organization) -> list[str]:
    policy = policy_of(org)
    return list(policy.allowed_email_domains) if policy else []


def email_refusal(org: Organization, email: str) -> str | None:
    """Why `email` may not join `org` under its allowed domains, or None when it may."""
    domains = allowed_domains(org)
    if domain_allowed(domains, email):
        return None
    return (
        f"{org.display_name} accepts new members only from "
        f"{describe_domains(domains)}; {email} is not one of them."
    )


def describe_domains(domains) -> str:
    names = [f"@{domain}" for domain in domains]
    if len(names) == 1:
        return f"{names[0]} addresses"
    return f"{', '.join(names[:-1])} or {names[-1]} addresses"


# --- sign-in age: session lifetime and the re-authentication window ---------------------


def reauthentication_seconds(org: Organization | None) -> int:
    """How long a re-entered password covers sensitive actions in `org`."""
    policy = policy_of(org) if org is not None else None
    if policy is not None and policy.reauthentication_minutes:
        return policy.reauthentication_minutes * 60
    return settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def session_lifetime_seconds(org: Organization) -> int | None:
    policy = policy_of(org)
    if policy is None or not policy.session_lifetime_hours:
        return None
    return policy.session_lifetime_hours * 3600


def _records(request) -> list[dict]:
    return [
        record
        for record in get_authentication_records(request, request.user)
        if isinstance(record, dict) and isinstance(record.get("at"), int | float)
    ]


def recently_reauthenticated(request, seconds: int) -> bool:
    """Whether the user entered their password (or an MFA code) again within `seconds`.

    allauth's own rule (`did_recently_reauthenticate`) with the window as a parameter:
    only re-authentications count, and an account with no way to re-authenticate
    (no password, no MFA) passes.
    """
    if not request.user.is_authenticated:
        return False
    if not get_reauthentication_flows(request.user):
        return True
    records = [record for record in _records(request) if record.get("reauthenticated")]
    return bool(records) and time.time() - records[-1]["at"] < seconds


def session_expired(request, org: Organization) -> bool:
    """Whether the org's session lifetime has passed since the last sign-in or
    re-authentication in this session (a session with no record of either has expired)."""
    lifetime = session_lifetime_seconds(org)
    if lifetime is None:
        return False
    records = _records(request)
    if not records:
        return True
    return time.time() - max(record["at"] for record in records) >= lifetime

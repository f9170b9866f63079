"""Enterprise sign-in use cases: one function each; lock, check, write, audit.

Every change is an owner's (`Action.MANAGE_SECURITY`: single sign-on belongs with
the org's security settings) and is recorded in the org's audit log.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations import seats
from organizations.audit import record_event
from organizations.errors import OrganizationError
from organizations.models import Membership, Organization
from organizations.permissions import Action
from organizations.security import clean_domain, is_valid_domain
from organizations.services import check_email_allowed
from organizations.services._common import lock_and_authorize

from . import crypto, dnscheck
from .models import OidcConnection, SamlConnection, SsoPolicy, VerifiedDomain

# Addresses no org may claim: they are shared by everyone who uses them.
PUBLIC_EMAIL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com"}
)


class SsoError(OrganizationError):
    code = "sso_error"


def _lock(org: Organization, actor) -> Organization:
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_SECURITY)
    return org


# --- verified domains ------------------------------------------------------------------


@transaction.atomic
def add_domain(
    *, org: Organization, actor, domain: str, ip_address: str | None = None
) -> VerifiedDomain:
    """Claim `domain` for `org`: a TXT token is issued, to publish and then check."""
    org = _lock(org, actor)
    domain = clean_domain(domain or "")
    if not is_valid_domain(domain):
        raise SsoError("Enter a domain such as example.com.", code="invalid_domain")
    if domain in PUBLIC_EMAIL_DOMAINS:
        raise SsoError(f"{domain} is a public email domain; it cannot be claimed.", code="public")
    if VerifiedDomain.objects.filter(organization=org, domain=domain).exists():
        raise SsoError(f"{domain} is already listed.", code="domain_listed")
    if VerifiedDomain.objects.filter(domain=domain, verified_at__isnull=False).exists():
        raise SsoError(f"{domain} is verified by another organization.", code="domain_taken")
    claimed = VerifiedDomain.objects.create(organization=org, domain=domain, created_by=actor)
    record_event(
        org=org, actor=actor, action="sso.domain_add", target=domain, ip_address=ip_address
    )
    return claimed


def check_domain(
    *, org: Organization, actor, domain_id: int, ip_address: str | None = None
) -> VerifiedDomain:
    """Look the domain's TXT record up now; mark it verified when the token is there.

    The DNS lookup runs outside any transaction (it may take seconds); the result is
    written under the org's lock afterwards.
    """
    with transaction.atomic():
        _lock(org, actor)
        claimed = VerifiedDomain.objects.get(organization=org, pk=domain_id)
    lookup = dnscheck.check_txt(claimed.record_name, claimed.record_value)
    with transaction.atomic():
        org = _lock(org, actor)
        claimed = VerifiedDomain.objects.select_for_update().get(organization=org, pk=domain_id)
        claimed.last_checked_at = timezone.now()
        claimed.last_check_result = lookup.message[:300]
        newly_verified = lookup.found and not claimed.is_verified
        if newly_verified:
            if (
                VerifiedDomain.objects.filter(domain=claimed.domain, verified_at__isnull=False)
                .exclude(pk=claimed.pk)
                .exists()
            ):
                raise SsoError(
                    f"{claimed.domain} is verified by another organization.", code="domain_taken"
                )
            claimed.verified_at = claimed.last_checked_at
        try:
            with transaction.atomic():
                claimed.save()
        except IntegrityError as exc:
            raise SsoError(
                f"{claimed.domain} is verified by another organization.", code="domain_taken"
            ) from exc
        record_event(
            org=org,
            actor=actor,
            action="sso.domain_verify" if newly_verified else "sso.domain_check",
            target=claimed.domain,
            detail={"found": lookup.found},
            ip_address=ip_address,
        )
    return claimed


@transaction.atomic
def remove_domain(
    *, org: Organization, actor, domain_id: int, ip_address: str | None = None
) -> None:
    org = _lock(org, actor)
    claimed = VerifiedDomain.objects.get(organization=org, pk=domain_id)
    claimed.delete()
    record_event(
        org=org,
        actor=actor,
        action="sso.domain_remove",
        target=claimed.domain,
        ip_address=ip_address,
    )


# --- connections -------------------------------------------------------------------------

CONNECTION_FIELDS = ("name", "issuer_url", "client_id", "enabled", "assign_membership_on_login")


@transaction.atomic
def create_connection(
    *, org: Organization, actor, secret: str, ip_address: str | None = None, **values
) -> OidcConnection:
    """Add an OpenID Connect connection; the client secret is stored encrypted."""
    org = _lock(org, actor)
    connection = OidcConnection(
        organization=org,
        secret_encrypted=crypto.encrypt(secret),
        **{k: v for k, v in values.items() if k in CONNECTION_FIELDS},
    )
    connection.full_clean()
    connection.save()
    record_event(
        org=org,
        actor=actor,
        action="sso.connection_add",
        target=connection.name,
        detail={"issuer_url": connection.issuer_url, "client_id": connection.client_id},
        ip_address=ip_address,
    )
    return connection


@transaction.atomic
def update_connection(
    *,
    org: Organization,
    actor,
    connection_id: int,
    secret: str = "",
    ip_address: str | None = None,
    **values,
) -> OidcConnection:
    """Change a connection; an empty `secret` keeps the stored one."""
    org = _lock(org, actor)
    connection = OidcConnection.objects.select_for_update().get(organization=org, pk=connection_id)
    changed = []
    for field in CONNECTION_FIELDS:
        if field in values and getattr(connection, field) != values[field]:
            setattr(connection, field, values[field])
            changed.append(field)
    if secret:
        connection.secret_encrypted = crypto.encrypt(secret)
        changed.append("secret")
    connection.full_clean()
    connection.save()
    record_event(
        org=org,
        actor=actor,
        action="sso.connection_edit",
        target=connection.name,
        detail={"changed": changed},
        ip_address=ip_address,
    )
    return connection


@transaction.atomic
def delete_connection(
    *, org: Organization, actor, connection_id: int, ip_address: str | None = None
) -> None:
    org = _lock(org, actor)
    connection = OidcConnection.objects.get(organization=org, pk=connection_id)
    connection.delete()
    record_event(
        org=org,
        actor=actor,
        action="sso.connection_remove",
        target=connection.name,
        ip_address=ip_address,
    )


SAML_FIELDS = (
    "name",
    "idp_entity_id",
    "idp_metadata_url",
    "idp_sso_url",
    "idp_x509cert",
    "enabled",
    "assign_membership_on_login",
)


@transaction.atomic
def save_saml_connection(
    *,
    org: Organization,
    actor,
    connection_id: int | None = None,
    ip_address: str | None = None,
    **values,
) -> SamlConnection:
    """Add a SAML connection, or change the one `connection_id` names."""
    org = _lock(org, actor)
    if connection_id is None:
        connection = SamlConnection(organization=org)
    else:
        connection = SamlConnection.objects.select_for_update().get(
            organization=org, pk=connection_id
        )
    changed = [f for f in SAML_FIELDS if f in values and getattr(connection, f) != values[f]]
    for field in changed:
        setattr(connection, field, values[field])
    if not connection.idp_metadata_url and not (connection.idp_sso_url and connection.idp_x509cert):
        raise SsoError(
            "Give the IdP's metadata URL, or its metadata XML.", code="saml_metadata_missing"
        )
    connection.full_clean()
    created = connection.pk is None
    connection.save()
    record_event(
        org=org,
        actor=actor,
        action="sso.connection_add" if created else "sso.connection_edit",
        target=connection.name,
        detail={"protocol": "saml", "idp_entity_id": connection.idp_entity_id}
        if created
        else {"protocol": "saml", "changed": changed},
        ip_address=ip_address,
    )
    return connection


@transaction.atomic
def delete_saml_connection(
    *, org: Organization, actor, connection_id: int, ip_address: str | None = None
) -> None:
    org = _lock(org, actor)
    connection = SamlConnection.objects.get(organization=org, pk=connection_id)
    connection.delete()
    record_event(
        org=org,
        actor=actor,
        action="sso.connection_remove",
        target=connection.name,
        detail={"protocol": "saml"},
        ip_address=ip_address,
    )


@transaction.atomic
def set_sso_only(
    *,
    org: Organization,
    actor,
    sso_only: bool,
    domain_join: str | None = None,
    auto_join: bool | None = None,
    ip_address: str | None = None,
) -> SsoPolicy:
    """Turn SSO only on or off and, when given, set how domain users join.

    `domain_join` is a `SsoPolicy.DomainJoin` mode (off, join directly, ask to join);
    the older `auto_join` flag means "join directly" (True) or off (False).
    """
    org = _lock(org, actor)
    policy, _ = SsoPolicy.objects.select_for_update().get_or_create(organization=org)
    if domain_join is None and auto_join is not None:
        domain_join = SsoPolicy.DomainJoin.JOIN if auto_join else SsoPolicy.DomainJoin.OFF
    if domain_join is not None and domain_join not in SsoPolicy.DomainJoin.values:
        raise SsoError("Choose how people of your domains join.", code="invalid_domain_join")
    wanted = {"sso_only": sso_only}
    if domain_join is not None:
        wanted["domain_join"] = domain_join
    changed = {k: v for k, v in wanted.items() if getattr(policy, k) != v}
    if changed:
        for field, value in changed.items():
            setattr(policy, field, value)
        policy.save(update_fields=list(changed))
        record_event(
            org=org,
            actor=actor,
            action="sso.policy",
            target=org.name,
            detail=changed,
            ip_address=ip_address,
        )
    return policy


# --- joining by verified domain and on SSO login ------------------------------------------


def add_domain_member(
    *,
    org: Organization,
    user,
    email: str,
    actor,
    event: str,
    detail: dict | None = None,
    ip_address: str | None = None,
) -> Membership:
    """Make `user` a member of `org`, whose pool the caller has locked, without an invitation.

    Shared by auto-join, membership on SSO login and an approved request to join: a
    user seat is taken through the seats module (SeatLimitExceeded when none is left),
    the org's allowed email domains must include `email`, the new member joins the
    default team, and `event` is recorded with `actor` as its author.
    """
    if Membership.objects.filter(organization=org, user=user).exists():
        raise SsoError(f"{email} is already a member of {org.display_name}.", code="already_member")
    seats.ensure_available(org, seats.USERS)
    check_email_allowed(org, email)
    membership = Membership.objects.create(organization=org, user=user, role=Membership.Role.MEMBER)
    default_team = org.teams.filter(is_default=True).first()
    if default_team is not None:
        default_team.members.add(membership)
    record_event(
        org=org,
        actor=actor,
        action=event,
        target=email,
        detail={"role": Membership.Role.MEMBER, **(detail or {})},
        ip_address=ip_address,
    )
    return membership


@transaction.atomic
def join_by_verified_domain(
    *, org: Organization, user, ip_address: str | None = None
) -> Membership:
    """Auto-join: `user`, with a confirmed address in one of `org`'s verified domains,
    joins it as a member without an invitation, taking a user seat."""
    from .selectors import may_auto_join

    org = seats.lock_pool(org)
    if Membership.objects.filter(organization=org, user=user).exists():
        raise SsoError(f"You are already a member of {org.display_name}.", code="already_member")
    email = may_auto_join(org, user)
    if email is None:
        raise SsoError(
            f"{org.display_name} does not let your address join without an invitation.",
            code="not_allowed",
        )
    return add_domain_member(
        org=org,
        user=user,
        email=email,
        actor=user,
        event="member.join_domain",
        ip_address=ip_address,
    )


@transaction.atomic
def join_on_sso_login(
    *, connection: OidcConnection | SamlConnection, user, ip_address: str | None = None
) -> Membership | None:
    """Make `user`, just signed in through `connection`, a member of its org.

    Takes a user seat through the seats module (SeatLimitExceeded when none is left)
    and joins the default team; returns None when they are a member already.
    """
    org = seats.lock_pool(connection.organization)
    if Membership.objects.filter(organization=org, user=user).exists():
        return None
    return add_domain_member(
        org=org,
        user=user,
        email=user.email,
        actor=user,
        event="member.join_sso",
        detail={"connection": connection.name},
        ip_address=ip_address,
    )

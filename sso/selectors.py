"""Reads for enterprise sign-in: which connection serves an address, a provider id, an org."""

from urllib.parse import urlsplit

from django.db import connections, router
from django.db.models import Prefetch

from organizations.models import Membership, Organization
from organizations.security import domain_of

from .models import (
    PROVIDER_ID_PREFIX,
    SAML_PROVIDER_ID_PREFIX,
    JoinRequest,
    OidcConnection,
    SamlConnection,
    SsoPolicy,
    VerifiedDomain,
)


def _verified_domains():
    return Prefetch(
        "organization__sso_domains",
        queryset=VerifiedDomain.objects.filter(verified_at__isnull=False),
        to_attr="verified_sso_domains",
    )


def connection_by_provider_id(provider_id: str, *, enabled_only: bool = True):
    """The connection behind allauth's `provider_id` (OIDC `sso-<key>`, SAML `saml-<key>`),
    with its org's verified domains."""
    provider_id = str(provider_id or "")
    prefixes = {PROVIDER_ID_PREFIX: OidcConnection, SAML_PROVIDER_ID_PREFIX: SamlConnection}
    prefix = next((p for p in prefixes if provider_id.startswith(p)), None)
    if prefix is None:
        return None
    model = prefixes[prefix]
    connections = model.objects.filter(
        key=provider_id[len(prefix) :],
        organization__status=Organization.Status.ACTIVE,
    )
    if enabled_only:
        connections = connections.filter(enabled=True)
    return connections.select_related("organization").prefetch_related(_verified_domains()).first()


def connection_for_email(email: str):
    """Home-realm discovery: the enabled connection of the org that verified the domain
    (its first OpenID Connect connection, else its first SAML one)."""
    domain = domain_of(email or "")
    if not domain:
        return None
    for model in (OidcConnection, SamlConnection):
        found = (
            model.objects.filter(
                enabled=True,
                organization__status=Organization.Status.ACTIVE,
                organization__sso_domains__domain=domain,
                organization__sso_domains__verified_at__isnull=False,
            )
            .select_related("organization")
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
    return None


def is_sso_only(org: Organization) -> bool:
    return SsoPolicy.objects.filter(organization=org, sso_only=True).exists()


def is_owner(org: Organization, email: str) -> bool:
    """Whether the account with `email` owns `org` (the break-glass password sign-in)."""
    return (
        Membership.objects.filter(
            organization=org,
            role=Membership.Role.OWNER,
            user__emailaddress__email__iexact=email,
        ).exists()
        or Membership.objects.filter(
            organization=org, role=Membership.Role.OWNER, user__email__iexact=email
        ).exists()
    )


def enabled_connections(org: Organization) -> list:
    return [
        *org.sso_connections.filter(enabled=True),
        *org.sso_saml_connections.filter(enabled=True),
    ]


def sso_settings(org: Organization) -> dict:
    """What the "Single sign-on" tab shows, in four queries."""
    policy = SsoPolicy.objects.filter(organization=org).first()
    domain_join = policy.domain_join if policy else SsoPolicy.DomainJoin.OFF
    return {
        "domains": list(org.sso_domains.all()),
        "connections": list(org.sso_connections.all()),
        "saml_connections": list(org.sso_saml_connections.all()),
        "sso_only": bool(policy and policy.sso_only),
        "domain_join": domain_join,
        "auto_join": domain_join == SsoPolicy.DomainJoin.JOIN,
    }


def domain_join_mode(org: Organization) -> str:
    """The org's `SsoPolicy.DomainJoin` mode: off, join directly, or ask to join."""
    mode = SsoPolicy.objects.filter(organization=org).values_list("domain_join", flat=True).first()
    return mode or SsoPolicy.DomainJoin.OFF


def domain_address(org: Organization, user) -> str | None:
    """The user's confirmed address in one of `org`'s verified domains, or None."""
    if not user.is_authenticated:
        return None
    from allauth.account.models import EmailAddress

    domains = set(
        org.sso_domains.filter(verified_at__isnull=False).values_list("domain", flat=True)
    )
    if not domains:
        return None
    for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", flat=True
    ):
        if domain_of(email) in domains:
            return email
    return None


def _address_under(org: Organization, user, mode: str) -> str | None:
    if not user.is_authenticated or domain_join_mode(org) != mode:
        return None
    return domain_address(org, user)


def may_auto_join(org: Organization, user) -> str | None:
    """The user's confirmed address that lets them auto-join `org`, or None."""
    return _address_under(org, user, SsoPolicy.DomainJoin.JOIN)


def may_request_to_join(org: Organization, user) -> str | None:
    """The user's confirmed address that lets them ask to join `org`, or None."""
    return _address_under(org, user, SsoPolicy.DomainJoin.REQUEST)


def pending_join_request(org: Organization, user) -> JoinRequest | None:
    """The user's request to join `org` that waits for a decision, if any."""
    if not user.is_authenticated:
        return None
    return JoinRequest.objects.filter(
        organization=org, user=user, status=JoinRequest.Status.PENDING
    ).first()


def join_offer(org: Organization, user) -> dict | None:
    """What the org's login page offers a signed-in non-member with an address in one
    of its verified domains: `{"mode": "join"}`, or `{"mode": "request", "pending":
    the pending request or None}`; None when nothing is offered."""
    if not user.is_authenticated:
        return None
    mode = domain_join_mode(org)
    if mode == SsoPolicy.DomainJoin.OFF or org.memberships.filter(user=user).exists():
        return None
    if domain_address(org, user) is None:
        return None
    pending = pending_join_request(org, user) if mode == SsoPolicy.DomainJoin.REQUEST else None
    return {"mode": mode, "pending": pending}


def join_requests_of(org: Organization, *, status: str = JoinRequest.Status.PENDING):
    """An org's requests to join with `status`, newest first, with who made and decided them."""
    return (
        JoinRequest.objects.filter(organization=org, status=status)
        .select_related("user", "decided_by")
        .order_by("-created_at", "-pk")
    )


_JOIN_COUNTS_SQL: dict[str, str] = {}


def _join_counts_statement(using: str) -> str:
    """The members page's one statement for its "Join requests" link, written once per
    process from the models (compiling it as a queryset cost more than running it)."""
    if using not in _JOIN_COUNTS_SQL:
        quote = connections[using].ops.quote_name
        requests, policies = JoinRequest._meta, SsoPolicy._meta

        def column(meta, name):
            return quote(meta.get_field(name).column)

        _JOIN_COUNTS_SQL[using] = (
            f"SELECT (SELECT COUNT(*) FROM {quote(requests.db_table)}"
            f" WHERE {column(requests, 'organization')} = %s"
            f" AND {column(requests, 'status')} = %s),"
            f" EXISTS(SELECT 1 FROM {quote(policies.db_table)}"
            f" WHERE {column(policies, 'organization')} = %s"
            f" AND {column(policies, 'domain_join')} = %s)"
        )
    return _JOIN_COUNTS_SQL[using]


def join_request_counts(org: Organization) -> dict:
    """`{"pending": n, "asks_to_join": bool}` for the members page's link, in one query."""
    using = router.db_for_read(JoinRequest)
    with connections[using].cursor() as cursor:
        cursor.execute(
            _join_counts_statement(using),
            [org.pk, JoinRequest.Status.PENDING, org.pk, SsoPolicy.DomainJoin.REQUEST],
        )
        pending, asks_to_join = cursor.fetchone()
    return {"pending": pending, "asks_to_join": bool(asks_to_join)}


def identity_provider_origins(org: Organization | None = None) -> list[str]:
    """The origins of the enabled identity providers (of `org`, or of every org): a
    sign-in form's redirect goes there, so its page's `form-action` must allow them."""
    urls = []
    for model, fields in (
        (OidcConnection, ("issuer_url",)),
        (SamlConnection, ("idp_sso_url", "idp_metadata_url")),
    ):
        rows = model.objects.filter(enabled=True)
        if org is not None:
            rows = rows.filter(organization=org)
        for values in rows.values_list(*fields):
            urls.extend(v for v in values if v)
    origins = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in ("http", "https") and parts.netloc and origin not in origins:
            origins.append(origin)
    return origins

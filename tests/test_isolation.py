"""Tenant isolation: every URL that takes an org or object id answers 404 to outsiders.

The test walks the project's URL patterns. A new pattern with a parameter fails the
test until it is listed in ISOLATION_CASES with the kwargs that point at another
org's objects.
"""

import pytest
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from organizations import services
from organizations.models import OrganizationalUnit, Workspace
from scim import services as scim_services

from .factories import (
    AuditEventFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    TeamFactory,
    UserFactory,
)

PROJECT_APPS = ("organizations", "accounts", "invitations", "billing", "api")
# SCIM provisioning.
PROJECT_APPS = (*PROJECT_APPS, "scim")


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _walk(entry.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry


def project_patterns_with_parameters():
    """(url name, pattern) for every pattern of our apps whose route takes a parameter."""
    found = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        module = getattr(pattern.callback, "__module__", "")
        if not module.startswith(PROJECT_APPS):
            continue
        if pattern.pattern.converters or pattern.pattern.regex.groups:
            found[name] = pattern
    return found


def foreign_kwargs(foreign):
    """Kwargs naming objects of the foreign org, per URL name."""
    org_name = foreign["org"].name if foreign["org"] else ""
    org = {"org_name": org_name}
    member = {"member_id": foreign["member"].pk if foreign["member"] else 0}
    team = {"team_id": foreign["team"].pk if foreign["team"] else 0}
    unit = {"unit_id": foreign["unit"].pk if foreign["unit"] else 0}
    workspace = {"workspace_id": foreign["workspace"].pk if foreign["workspace"] else 0}
    invitation = {"pk": foreign["invitation"].pk if foreign["invitation"] else 0}
    child = {"child_name": foreign["child"].name if foreign["child"] else "x"}
    device = {"device_id": foreign["device"].pk if foreign["device"] else 0}
    request = {"public_id": foreign["request"].public_id if foreign["request"] else "org_x"}
    scim_token = {"token_id": foreign["scim_token"].pk if foreign.get("scim_token") else 0}
    return {
        "organizations:dashboard": org,
        "organizations:settings": org,
        "organizations:audit": org,
        "organizations:audit_export": org,
        "organizations:delete": org,
        "organizations:leave": org,
        "organizations:roles": org,
        "organizations:members": org,
        "organizations:member_edit": {**org, **member},
        "organizations:member_remove": {**org, **member},
        "organizations:teams": org,
        "organizations:team_create": org,
        "organizations:team": {**org, **team},
        "organizations:team_rename": {**org, **team},
        "organizations:team_delete": {**org, **team},
        "organizations:team_member_remove": {**org, **team, **member},
        "organizations:structure": org,
        "organizations:unit_create": org,
        "organizations:unit_edit": {**org, **unit},
        "organizations:unit_delete": {**org, **unit},
        "organizations:workspace_create": org,
        "organizations:workspace": {**org, **workspace},
        "organizations:workspace_edit": {**org, **workspace},
        "organizations:workspace_delete": {**org, **workspace},
        "organizations:workspace_member_remove": {**org, **workspace, **member},
        "invitations:list": org,
        "invitations:create": org,
        "invitations:resend": {**org, **invitation},
        "invitations:revoke": {**org, **invitation},
        # A token is the capability itself: an outsider's best try is a forged one.
        "invitations:link": {"token": "forged-" + "x" * 36},
        "organizations:children": org,
        "organizations:child_create": org,
        "organizations:child_seats": {**org, **child},
        "organizations:devices": org,
        "organizations:device_register": org,
        "organizations:device_remove": {**org, **device},
        "organizations:resubmit": org,
        # The staff area answers 404 to everyone who may not approve, whatever the id.
        "organizations:approval_approve": request,
        "organizations:approval_detail": request,
        "organizations:suspend": request,
        "organizations:lift_suspension": request,
        "organizations:approval_reject": request,
        # Organization security policy.
        "organizations:security": org,
        "organizations:mfa_reminders": org,
        # billing: the Billing tab of an org (owners only)
        "billing:overview": org,
        "billing:plan": org,
        "billing:seats": org,
        "billing:details": org,
        "billing:card": org,
        "billing:card_remove": org,
        # Management API (issue 12): the org's API clients page, and the REST endpoints,
        # which a client of the user's own org calls with its token (see `api_auth`).
        **api_foreign_kwargs(foreign, org),
        # Account security: another account's signed-in session.
        "accounts:session_end": {"session_id": foreign["session"].pk if foreign["session"] else 0},
        # Two-factor: another account's security key is not found.
        "mfa_remove_webauthn": {"pk": foreign["key"].pk if foreign.get("key") else 0},
        # SCIM provisioning: the Provisioning tab.
        "scim:provisioning": org,
        "scim:token_rotate": {**org, **scim_token},
        "scim:token_revoke": {**org, **scim_token},
    }


def api_foreign_kwargs(foreign, org):
    api_client = foreign.get("api_client")
    client = {"client_id": api_client.client_id if api_client else "x"}
    org_id = {"org_id": foreign["org"].public_id if foreign["org"] else "org_x"}
    user_id = {"user_id": f"usr_{foreign['member'].user_id}" if foreign["member"] else "usr_0"}
    invitation = {
        "invitation_id": f"uinv_{foreign['invitation'].pk}" if foreign["invitation"] else "x"
    }
    return {
        "api:clients": org,
        "api:client_rotate": {**org, **client},
        "api:client_revoke": {**org, **client},
        "api:organization": org_id,
        "api:organization-by-name": {"name": org["org_name"] or "x"},
        "api:enabled-connections": org_id,
        "api:members": org_id,
        "api:member-roles": {**org_id, **user_id},
        "api:invitations": org_id,
        "api:invitation": {**org_id, **invitation},
        "api:children": org_id,
        "api:seats": org_id,
    }


def api_auth(url_name, mine, me) -> dict:
    """A bearer token of a client of the user's own org, for the REST endpoints."""
    if not url_name.startswith("api:") or url_name in API_PORTAL_PAGES:
        return {}
    from rest_framework.test import APIClient

    from api import clients
    from api.scopes import ALL_SCOPES

    api_client, secret = clients.create_org_client(
        org=mine, actor=me, name="Isolation", scopes=list(ALL_SCOPES)
    )
    response = APIClient().post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": secret,
        },
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}
    # Its first use writes `last_used_at`; done here, the request under test writes nothing.
    APIClient().get("/api/v2/organizations", **auth)
    return auth


API_PORTAL_PAGES = ("api:clients", "api:client_rotate", "api:client_revoke")


NO_FOREIGN = dict.fromkeys(
    (
        "org",
        "event",
        "member",
        "team",
        "unit",
        "workspace",
        "child",
        "device",
        "invitation",
        "request",
        "api_client",
        "session",
        "scim_token",
    )
)

ISOLATION_CASES = frozenset(foreign_kwargs(NO_FOREIGN))

# SCIM provisioning: the SCIM API takes no session, only the org's bearer token, and
# answers 401 to every other credential and org alike (tests/scim/test_api.py).
BEARER_TOKEN_URLS = frozenset(
    {
        "scim:root",
        "scim:users",
        "scim:user",
        "scim:groups",
        "scim:group",
        "scim:service_provider_config",
        "scim:resource_types",
        "scim:resource_type",
        "scim:schemas",
        "scim:schema",
    }
)

# URLs that name objects inside the org: with the user's *own* org in the URL and a
# foreign object id they must 404 too (/o/<my-org>/teams/<id of a team elsewhere>/).
OBJECT_CASES = sorted(
    name
    for name, kwargs in foreign_kwargs(NO_FOREIGN).items()
    if len(kwargs) > 1 and "org_name" in kwargs
)


def make_foreign():
    foreign_org = OrganizationFactory(is_reseller=True)
    stranger = foreign_org.created_by
    child = services.create_child_organization(
        parent=foreign_org,
        creator=stranger,
        kind="group",
        display_name="Foreign group",
        admin_email=stranger.email,
        user_seats=2,
        device_seats=1,
    )
    device = services.register_device(
        org=foreign_org, actor=stranger, name="Foreign device", identifier="F-1"
    )
    unit = OrganizationalUnit.objects.create(organization=foreign_org, name="Foreign unit")
    workspace = Workspace.objects.create(organization=foreign_org, unit=unit, name="Foreign ws")
    member = MembershipFactory(organization=foreign_org)
    workspace.members.add(member)
    team = TeamFactory(organization=foreign_org)
    team.members.add(member)
    return {
        "org": foreign_org,
        "event": AuditEventFactory(organization=foreign_org),
        "member": member,
        "team": team,
        "unit": unit,
        "workspace": workspace,
        "invitation": InvitationFactory(organization=foreign_org),
        "child": child,
        "device": device,
        "request": OrganizationFactory(pending=True),
        "api_client": _foreign_api_client(foreign_org, stranger),
        "session": UserSession.objects.create(
            user=stranger, session_key="foreign-session-key", ip="203.0.113.9"
        ),
        "key": Authenticator.objects.create(
            user=UserFactory(), type=Authenticator.Type.WEBAUTHN, data={"name": "Foreign key"}
        ),
        # SCIM provisioning.
        "scim_token": scim_services.create_token(org=foreign_org, actor=stranger)[0],
    }


def _foreign_api_client(org, owner):
    from api import clients

    api_client, _ = clients.create_org_client(
        org=org, actor=owner, name="Foreign client", scopes=["read:organizations"]
    )
    return api_client


def hostile_post_data(foreign):
    return {
        "display_name": "hijacked",
        "name": "hijacked",
        "confirm_name": foreign["org"].name,
        "role": "owner",
        "first_name": "Hijacked",
        "last_name": "Hijacked",
        "member": foreign["member"].pk,
        "email": foreign["member"].user.email,
        "strategy": "delete",
        "parent": "",
        "emails": "hijacked@example.com",
        "kind": "group",
        "admin_email": foreign["member"].user.email,
        "user_seats": 1,
        "device_seats": 0,
        "identifier": "hijacked",
        "reason": "hijacked",
        # billing
        "plan": 1,
        "cardholder_name": "Hijacked",
        "contact_email": "hijacked@example.com",
        "address_line1": "Hijacked",
        "city": "Hijacked",
        "country": "FR",
        "setup_intent": "seti_hijacked",
    }


def db_snapshot():
    """Every row of our apps, as values, to prove a request changed nothing."""
    snapshot = {}
    apps_labels = ("organizations", "accounts", "invitations", "notifications", "billing", "api")
    for label in (*apps_labels, "scim"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            snapshot[model._meta.label] = sorted(map(repr, model.objects.order_by("pk").values()))
    return snapshot


def test_every_parameterised_url_is_covered():
    found = set(project_patterns_with_parameters())
    assert found >= ISOLATION_CASES, "the walker must see every covered URL"
    uncovered = found - ISOLATION_CASES - BEARER_TOKEN_URLS
    assert not uncovered, (
        f"New URL(s) take an id but have no isolation case: {sorted(uncovered)}. "
        "Add them to ISOLATION_CASES and foreign_kwargs in tests/test_isolation.py."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(ISOLATION_CASES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_org_urls_answer_404_and_change_nothing(client, url_name, method):
    me = UserFactory()
    mine = OrganizationFactory(created_by=me)
    foreign = make_foreign()
    client.force_login(me)
    url = reverse(url_name, kwargs=foreign_kwargs(foreign)[url_name])
    auth = api_auth(url_name, mine, me)
    before = db_snapshot()
    response = getattr(client, method)(url, hostile_post_data(foreign), **auth)
    assert response.status_code == 404
    assert db_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", OBJECT_CASES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_object_ids_in_my_org_answer_404(client, url_name, method):
    """The owner of their own org still gets 404 for another org's team, member, unit..."""
    me = UserFactory()
    mine = OrganizationFactory(created_by=me)
    foreign = make_foreign()
    client.force_login(me)
    kwargs = {**foreign_kwargs(foreign)[url_name], "org_name": mine.name}
    url = reverse(url_name, kwargs=kwargs)
    before = db_snapshot()
    response = getattr(client, method)(url, hostile_post_data(foreign))
    assert response.status_code == 404
    assert db_snapshot() == before


# SCIM provisioning: the SCIM API with a foreign org in the URL and my org's token.
def bearer_url_kwargs(org_name: str, url_name: str) -> dict:
    extra = {
        "scim:user": {"scim_id": "00000000-0000-0000-0000-000000000000"},
        "scim:group": {"team_id": "1"},
        "scim:resource_type": {"type_id": "User"},
        "scim:schema": {"schema_id": "urn:ietf:params:scim:schemas:core:2.0:User"},
    }
    return {"org_name": org_name, **extra.get(url_name, {})}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(BEARER_TOKEN_URLS))
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_scim_api_answers_401_to_another_orgs_token(client, url_name, method):
    me = UserFactory()
    mine = OrganizationFactory(created_by=me)
    _token, raw = scim_services.create_token(org=mine, actor=me)
    foreign = make_foreign()
    client.force_login(foreign["org"].created_by)  # a session is no credential either
    url = reverse(url_name, kwargs=bearer_url_kwargs(foreign["org"].name, url_name))
    before = db_snapshot()
    body = {}
    if method in ("post", "patch"):
        body = {
            "data": '{"userName": "hijacked@example.com", "displayName": "hijacked"}',
            "content_type": "application/scim+json",
        }
    response = getattr(client, method)(url, headers={"Authorization": f"Bearer {raw}"}, **body)
    assert response.status_code == 401
    assert db_snapshot() == before


# --- Enterprise sign-in (sso/): the "Single sign-on" tab ------------------------------
# The org's login page (/o/<name>/login/) is public by design, like Auth0's org login
# prompt: it shows only the display name, branding and sign-in buttons.
SSO_PUBLIC = frozenset({"sso:org_login"})


def sso_foreign_kwargs(
    foreign_org, domain_id: int, connection_id: int, saml_id: int = 0, join_request_id: int = 0
) -> dict:
    org = {"org_name": foreign_org.name}
    join_request = {**org, "request_id": join_request_id}
    return {
        "sso:settings": org,
        "sso:domain_add": org,
        "sso:domain_check": {**org, "domain_id": domain_id},
        "sso:domain_remove": {**org, "domain_id": domain_id},
        "sso:sso_only": org,
        "sso:connection_create": org,
        "sso:connection_edit": {**org, "connection_id": connection_id},
        "sso:connection_test": {**org, "connection_id": connection_id},
        "sso:connection_delete": {**org, "connection_id": connection_id},
        "sso:saml_connection_edit": {**org, "connection_id": saml_id},
        "sso:saml_connection_test": {**org, "connection_id": saml_id},
        "sso:saml_connection_delete": {**org, "connection_id": saml_id},
        "sso:saml_connection_create": org,
        # Auto-join: 404 to whoever may not join the org.
        "sso:join": org,
        # Requests to join: asking (404 to whoever may not ask), and the deciders' pages.
        "sso:request_to_join": org,
        "sso:join_requests": org,
        "sso:join_request_approve": join_request,
        "sso:join_request_decline": join_request,
    }


def _sso_patterns_with_parameters():
    found = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        module = getattr(pattern.callback, "__module__", "")
        if module.startswith("sso.") and (
            pattern.pattern.converters or pattern.pattern.regex.groups
        ):
            found.add(name)
    return found


def _sso_foreign():
    from sso import services as sso_services

    foreign_org = OrganizationFactory()
    stranger = foreign_org.created_by
    domain = sso_services.add_domain(org=foreign_org, actor=stranger, domain="foreign.test")
    connection = sso_services.create_connection(
        org=foreign_org,
        actor=stranger,
        secret="s3cret",
        name="Foreign SSO",
        issuer_url="http://127.0.0.1:9/",
        client_id="foreign",
        enabled=True,
        assign_membership_on_login=False,
    )
    saml = sso_services.save_saml_connection(
        org=foreign_org,
        actor=stranger,
        name="Foreign SAML",
        idp_entity_id="https://idp.foreign.test/metadata",
        idp_metadata_url="https://idp.foreign.test/metadata",
        enabled=True,
        assign_membership_on_login=False,
    )
    from sso.models import JoinRequest, SsoPolicy

    SsoPolicy.objects.create(organization=foreign_org, domain_join=SsoPolicy.DomainJoin.REQUEST)
    asker = UserFactory(email="asker@foreign.test")
    join_request = JoinRequest.objects.create(
        organization=foreign_org, user=asker, email=asker.email, message="let me in"
    )
    return foreign_org, domain, connection, saml, join_request


def _sso_snapshot():
    snapshot = db_snapshot()
    for model in apps.get_app_config("sso").get_models():
        snapshot[model._meta.label] = sorted(map(repr, model.objects.order_by("pk").values()))
    return snapshot


SSO_CASES = sorted(sso_foreign_kwargs(OrganizationFactory.build(name="x"), 0, 0))


def test_every_sso_url_is_covered():
    assert _sso_patterns_with_parameters() == set(SSO_CASES) | SSO_PUBLIC


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", SSO_CASES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_sso_urls_answer_404_and_change_nothing(client, url_name, method):
    me = UserFactory()
    mine = OrganizationFactory(created_by=me)
    foreign_org, domain, connection, saml, join_request = _sso_foreign()
    client.force_login(me)
    for org in (foreign_org, mine):
        kwargs = sso_foreign_kwargs(
            foreign_org, domain.pk, connection.pk, saml.pk, join_request.pk
        )[url_name]
        if org is mine and len(kwargs) == 1:
            continue
        kwargs = {**kwargs, "org_name": org.name}
        before = _sso_snapshot()
        data = {
            "domain": "hijacked.test",
            "sso_only": "on",
            "domain_join": "join",
            "name": "x",
            "client_id": "x",
            "message": "hijacked",
        }
        response = getattr(client, method)(reverse(url_name, kwargs=kwargs), data)
        assert response.status_code == 404, (url_name, org.name)
        assert _sso_snapshot() == before

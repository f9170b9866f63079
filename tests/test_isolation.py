"""Tenant isolation: every URL that takes an org or object id answers 404 to outsiders.

The test walks the project's URL patterns. A new pattern with a parameter fails the
test until it is listed in ISOLATION_CASES with the kwargs that point at another
org's objects.
"""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .factories import AuditEventFactory, InvitationFactory, OrganizationFactory, UserFactory

PROJECT_APPS = ("organizations", "accounts", "invitations", "billing")


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
    invitation_pk = foreign["invitation"].pk if foreign["invitation"] else 0
    return {
        "organizations:dashboard": {"org_name": org_name},
        "organizations:settings": {"org_name": org_name},
        "organizations:audit": {"org_name": org_name},
        "invitations:list": {"org_name": org_name},
        "invitations:create": {"org_name": org_name},
        "invitations:resend": {"org_name": org_name, "pk": invitation_pk},
        "invitations:revoke": {"org_name": org_name, "pk": invitation_pk},
        # A token is the capability itself: an outsider's best try is a forged one.
        "invitations:link": {"token": "forged-" + "x" * 36},
    }


ISOLATION_CASES = frozenset(foreign_kwargs({"org": None, "event": None, "invitation": None}))


def db_snapshot():
    """Every row of our apps, as values, to prove a request changed nothing."""
    snapshot = {}
    for label in ("organizations", "accounts", "invitations", "notifications"):
        for model in apps.get_app_config(label).get_models():
            snapshot[model._meta.label] = sorted(map(repr, model.objects.order_by("pk").values()))
    return snapshot


def test_every_parameterised_url_is_covered():
    found = set(project_patterns_with_parameters())
    assert found >= ISOLATION_CASES, "the walker must see every covered URL"
    uncovered = found - ISOLATION_CASES
    assert not uncovered, (
        f"New URL(s) take an id but have no isolation case: {sorted(uncovered)}. "
        "Add them to ISOLATION_CASES and foreign_kwargs in tests/test_isolation.py."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(ISOLATION_CASES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_org_urls_answer_404_and_change_nothing(client, url_name, method):
    me = UserFactory()
    OrganizationFactory(created_by=me)
    foreign_org = OrganizationFactory()
    foreign = {
        "org": foreign_org,
        "event": AuditEventFactory(organization=foreign_org),
        "invitation": InvitationFactory(organization=foreign_org),
    }
    client.force_login(me)
    url = reverse(url_name, kwargs=foreign_kwargs(foreign)[url_name])
    before = db_snapshot()
    response = getattr(client, method)(
        url,
        {
            "display_name": "hijacked",
            "name": "hijacked",
            "emails": "x@example.com",
            "role": "owner",
        },
    )
    assert response.status_code == 404
    assert db_snapshot() == before

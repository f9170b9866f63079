"""Tenant isolation: every URL that takes an org or object id answers 404 to outsiders.

The test walks the project's URL patterns. A new pattern with a parameter fails the
test until it is listed in ISOLATION_CASES with the kwargs that point at another
org's objects.
"""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from organizations import services

from .factories import AuditEventFactory, OrganizationFactory, UserFactory

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


class World:
    """`me`, who owns `mine`, and `foreign`: another org with one object of each kind."""

    def __init__(self):
        self.me = UserFactory()
        self.mine = OrganizationFactory(created_by=self.me)
        stranger = UserFactory()
        self.foreign = OrganizationFactory(created_by=stranger, is_reseller=True)
        self.foreign_event = AuditEventFactory(organization=self.foreign)
        self.foreign_child = services.create_child_organization(
            parent=self.foreign,
            creator=stranger,
            kind="group",
            display_name="Foreign group",
            admin_email=stranger.email,
            user_seats=2,
            device_seats=1,
        )
        self.foreign_device = services.register_device(
            org=self.foreign, actor=stranger, name="Foreign device", identifier="F-1"
        )


def _org_only(w):
    return [{"org_name": w.foreign.name}]


# URL name -> kwargs that must all answer 404: the foreign org's URLs, and for
# object ids, the foreign object reached through an org of my own.
ISOLATION_CASES = {
    "organizations:dashboard": _org_only,
    "organizations:settings": _org_only,
    "organizations:audit": _org_only,
    "organizations:children": _org_only,
    "organizations:child_create": _org_only,
    "organizations:child_seats": lambda w: [
        {"org_name": w.foreign.name, "child_name": w.foreign_child.name},
        {"org_name": w.mine.name, "child_name": w.foreign_child.name},
    ],
    "organizations:devices": _org_only,
    "organizations:device_register": _org_only,
    "organizations:device_remove": lambda w: [
        {"org_name": w.foreign.name, "device_id": w.foreign_device.pk},
        {"org_name": w.mine.name, "device_id": w.foreign_device.pk},
    ],
}


def db_snapshot():
    """Every row of our apps, as values, to prove a request changed nothing."""
    snapshot = {}
    for label in ("organizations", "accounts"):
        for model in apps.get_app_config(label).get_models():
            snapshot[model._meta.label] = sorted(map(repr, model.objects.order_by("pk").values()))
    return snapshot


def test_every_parameterised_url_is_covered():
    found = set(project_patterns_with_parameters())
    assert found >= set(ISOLATION_CASES), "the walker must see every covered URL"
    uncovered = found - set(ISOLATION_CASES)
    assert not uncovered, (
        f"New URL(s) take an id but have no isolation case: {sorted(uncovered)}. "
        "Add them to ISOLATION_CASES in tests/test_isolation.py."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(ISOLATION_CASES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_urls_answer_404_and_change_nothing(client, url_name, method):
    world = World()
    client.force_login(world.me)
    for kwargs in ISOLATION_CASES[url_name](world):
        url = reverse(url_name, kwargs=kwargs)
        before = db_snapshot()
        response = getattr(client, method)(
            url,
            {"display_name": "hijacked", "name": "hijacked", "user_seats": 1, "device_seats": 0},
        )
        assert response.status_code == 404, url
        assert db_snapshot() == before, url

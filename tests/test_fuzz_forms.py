"""Generated values thrown at every form and POST view of the portal: never a 5xx, and
a refusal changes nothing.

The views are found by walking the URL patterns, so a new POST view is fuzzed without
being listed; one that needs URL arguments must be named in tests/test_isolation.py
(whose world of objects this test reuses), or the walk fails naming it.

Each view is signed in as someone who may use it: the owner of the org in the URL, or
a superuser for the staff area. Every field of the view's form, and the names the
portal's forms use, get values from NUL bytes and 300-character strings to numbers,
dates and HTML. Set HYPOTHESIS_PROFILE=thorough for more examples a view.
"""

import os
import string

import pytest
from django.urls import URLPattern, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .factories import UserFactory
from .test_isolation import (
    BEARER_TOKEN_URLS,
    NO_FOREIGN,
    PROJECT_APPS,
    _walk,
    db_snapshot,
    foreign_kwargs,
    make_foreign,
)

settings.register_profile(
    "default",
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile(
    "thorough",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Field names the portal's forms use, beyond each view's own form class.
COMMON_FIELDS = (
    "display_name", "name", "org_type", "primary_email", "logo_url", "primary_color",
    "page_background_color", "confirm_name", "role", "first_name", "last_name", "member",
    "email", "emails", "strategy", "parent", "unit", "kind", "admin_email", "user_seats",
    "device_seats", "identifier", "reason", "org", "action", "next", "account_type",
    "invite_members", "owner_email", "password",
    "metadata-TOTAL_FORMS", "metadata-INITIAL_FORMS", "metadata-0-key", "metadata-0-value",
    "metadata-0-DELETE",
)  # fmt: skip

# What a refusal may answer; anything else (a redirect after success) may change data.
REFUSALS = {200, 400, 403, 404, 405, 409}

values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.printable + "\x00é中", min_size=1, max_size=300),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "<script>alert(1)</script>",
            "a" * 255,
            "x" * 300 + "@example.com",
            "-1",
            "0",
            "99999999999999999999",
            "1e9",
            "2026-02-30",
            "owner",
            "admin",
            "member",
            "group",
            "customer",
            "delete",
            "move_up",
            "on",
            "#12345G",
            "javascript:alert(1)",
            "org_AAAAAAAAAAAAAAAA",
        ]
    ),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
)


def post_views() -> dict[str, URLPattern]:
    """Every URL of our apps whose view answers POST."""
    found = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        if not getattr(callback, "__module__", "").startswith(PROJECT_APPS):
            continue
        view_class = getattr(callback, "view_class", None)
        if view_class is None or not hasattr(view_class, "post"):
            continue
        if "post" not in view_class.http_method_names:
            continue
        # SCIM provisioning: a JSON API behind a bearer token, no form (tests/scim/).
        if name in BEARER_TOKEN_URLS:
            continue
        found[name] = pattern
    return found


POST_VIEWS = sorted(post_views())
STAFF_VIEWS = {name for name in POST_VIEWS if "approval" in name or "suspen" in name}


def field_names(pattern: URLPattern) -> tuple[str, ...]:
    form_class = getattr(pattern.callback.view_class, "form_class", None)
    own = tuple(getattr(form_class, "base_fields", {}) or ())
    return tuple(dict.fromkeys(own + COMMON_FIELDS))


def test_the_walk_finds_every_post_view_and_can_reach_it():
    assert {"organizations:settings", "invitations:create", "organizations:approvals"} <= set(
        POST_VIEWS
    )
    reachable = set(foreign_kwargs(NO_FOREIGN))
    unreachable = [
        name
        for name in POST_VIEWS
        if post_views()[name].pattern.converters and name not in reachable
    ]
    assert not unreachable, (
        f"{unreachable} take URL arguments: name them in tests/test_isolation.py's "
        "foreign_kwargs so that this test can reach them"
    )


def url_for(name: str, world: dict) -> str:
    kwargs = foreign_kwargs(world).get(name)
    return reverse(name, kwargs=kwargs) if kwargs else reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_VIEWS)
def test_generated_input_never_gets_a_5xx_and_a_refusal_changes_nothing(client, name):
    world = make_foreign()
    actor = world["org"].created_by
    if name in STAFF_VIEWS:
        actor = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(actor)
    url = url_for(name, world)
    fields = field_names(post_views()[name])

    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(fields, values)))
    def throw(data):
        before = db_snapshot()
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)
        if response.status_code in REFUSALS:
            assert db_snapshot() == before, (url, data, response.status_code)

    throw()

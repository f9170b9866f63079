"""organizations/templatetags/org_urls.py: `org_url` gives what `{% url %}` gives."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from organizations.models import Organization
from organizations.templatetags.org_urls import fixed_path, org_path

NAV = Path(__file__).resolve().parents[2] / "templates" / "includes" / "org_nav.html"


def nav_views() -> list[str]:
    return re.findall(r"org_url:'([a-z_:]+)'", NAV.read_text())


@pytest.mark.parametrize("name", ["acme", "0-a_b", "x" * 50])
def test_every_tab_links_where_reverse_would(name):
    assert len(nav_views()) >= 10
    for viewname in nav_views():
        assert org_path(viewname, name) == reverse(viewname, args=[name])
        # From the cache, the second time.
        assert org_path(viewname, name) == reverse(viewname, args=[name])


def test_the_filter_takes_an_org_or_its_name_and_the_output_is_escaped():
    org = Organization(name="acme")
    html = Template(
        "{% load org_urls %}{{ org|org_url:'organizations:members' }}|"
        "{{ name|org_url:'organizations:dashboard' }}"
    ).render(Context({"org": org, "name": "acme"}))
    assert html == "/o/acme/members/|/o/acme/"


def test_a_script_prefix_is_kept():
    set_script_prefix("/portal/")
    try:
        assert org_path("organizations:members", "acme") == "/portal/o/acme/members/"
    finally:
        set_script_prefix("/")
    assert org_path("organizations:members", "acme") == "/o/acme/members/"


def test_a_name_the_pattern_refuses_is_refused_as_by_url():
    with pytest.raises(NoReverseMatch):
        org_path("organizations:members", "a/b")
    with pytest.raises(NoReverseMatch):
        org_path("organizations:members", "")


def test_fixed_url_is_url_without_arguments():
    base = (Path(__file__).resolve().parents[2] / "templates" / "base.html").read_text()
    names = re.findall(r"fixed_url '([a-z_:]+)'", base)
    assert len(names) >= 10
    for viewname in names:
        html = Template("{% load org_urls %}{% fixed_url name %}").render(
            Context({"name": viewname})
        )
        assert html == reverse(viewname)
    set_script_prefix("/portal/")
    try:
        assert fixed_path("home") == "/portal/"
    finally:
        set_script_prefix("/")
    assert fixed_path("home") == "/"

"""`org_url` and `fixed_url`: the links the top bar and the org tabs show on every page.

`{% url 'organizations:members' org.name %}` resolves the pattern again for every link,
a dozen times a page. `{{ org|org_url:'organizations:members' }}` reverses each view once
per process with a placeholder name and then only puts the org's name in its place. A
name that the URL pattern would not take goes through `reverse()`, which refuses it as
`{% url %}` would. `{% fixed_url 'home' %}` is `{% url 'home' %}` for a URL without
arguments, reversed once per process.
"""

import re
from urllib.parse import quote

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

PLACEHOLDER = "orgnameplaceholder0"
SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # the `<slug:org_name>` the org URLs take
_reversed: dict = {}
_fixed: dict = {}


def org_path(viewname: str, org_name: str) -> str:
    """`reverse(viewname, args=[org_name])` for a view under `o/<slug:org_name>/`."""
    if not SLUG.fullmatch(org_name):
        return reverse(viewname, args=[org_name])
    key = (viewname, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    parts = _reversed.get(key)
    if parts is None:
        parts = reverse(viewname, args=[PLACEHOLDER]).split(PLACEHOLDER)
        if len(parts) != 2:
            raise ValueError(f"{viewname} does not take one org name")
        _reversed[key] = parts
    return f"{parts[0]}{quote(org_name, safe='')}{parts[1]}"


def fixed_path(viewname: str) -> str:
    """`reverse(viewname)`, remembered."""
    key = (viewname, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    path = _fixed.get(key)
    if path is None:
        path = _fixed[key] = reverse(viewname)
    return path


@register.simple_tag
def fixed_url(viewname: str) -> str:
    """The path of `viewname`, a view without arguments."""
    return fixed_path(viewname)


@register.filter
def org_url(org, viewname: str) -> str:
    """The path of `viewname` for `org` (an Organization or its name)."""
    return org_path(viewname, getattr(org, "name", org))

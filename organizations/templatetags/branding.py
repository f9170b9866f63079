"""An organization's branding (colours, logo) on its own pages."""

from django import template

from ..validators import COLOR_PATTERN

register = template.Library()


@register.filter
def css_color(value) -> str:
    """`value` if it is a `#RRGGBB` colour, else "": only such text reaches a style sheet."""
    return value if isinstance(value, str) and COLOR_PATTERN.fullmatch(value) else ""


@register.filter
def rgb_triplet(value) -> str:
    """`#1A73E8` as `26, 115, 232`, for Bootstrap's `--bs-*-rgb` variables; "" if no colour."""
    color = css_color(value)
    if not color:
        return ""
    return ", ".join(str(int(color[i : i + 2], 16)) for i in (1, 3, 5))

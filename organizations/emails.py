"""The plain values of an organization that its email templates may print.

Email templates never get a model instance (see `notifications/variables.py`): each
caller passes these strings instead of the organization.
"""

from django.conf import settings


def org_email_context(org) -> dict[str, str]:
    """`org_name`, `org_slug`, logo and colours of `org`, and `site_url`."""
    return {
        "org_name": org.display_name,
        "org_slug": org.name,
        "org_logo_url": org.logo_url,
        "org_primary_color": org.primary_color,
        "org_page_background_color": org.page_background_color,
        "site_url": settings.SITE_URL,
    }


def absolute_url(path: str) -> str:
    """`path` on the portal's public address, for links in emails."""
    return settings.SITE_URL.rstrip("/") + path

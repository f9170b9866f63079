"""Email templates: the shipped defaults in `templates/emails/`, or an admin's edit.

`render_email` uses the `EmailTemplate` row of a key when there is one and the
files otherwise, so an edit in Django admin takes effect for the next email.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import get_template, render_to_string

PARTS = ("subject", "body_text", "body_html")
_SUFFIXES = {"subject": "_subject.txt", "body_text": ".txt", "body_html": ".html"}


def default_source(key: str) -> dict[str, str]:
    """The shipped default's source of each part, from `templates/emails/<key>…`."""
    return {
        part: get_template(f"emails/{key}{suffix}").template.source
        for part, suffix in _SUFFIXES.items()
    }


def check_template_syntax(**parts: str) -> None:
    """ValidationError on each part whose template does not compile, with the error."""
    errors = {}
    for part, source in parts.items():
        try:
            Template(source)
        except TemplateSyntaxError as exc:
            errors[part] = ValidationError(
                "Template syntax error: %(error)s",
                code="template_syntax",
                params={"error": exc},
            )
    if errors:
        raise ValidationError(errors)


def check_templates_render(key: str, **parts: str) -> None:
    """ValidationError on each part that compiles but fails on sample values.

    A tag such as `{% url "nowhere" %}` compiles and only fails when rendered; caught
    here, it cannot break the invitation or approval that would have sent the email.
    """
    errors = {}
    context = sample_context(key)
    for part, source in parts.items():
        try:
            _render_source(source, context)
        except Exception as exc:
            errors[part] = ValidationError(
                "Rendering with sample values failed: %(error)s",
                code="template_render",
                params={"error": f"{type(exc).__name__}: {exc}"},
            )
    if errors:
        raise ValidationError(errors)


def _render_source(source: str, context: dict) -> str:
    return Template(source).render(Context(context))


def render_parts(*, template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of `template`, before the subject is flattened."""
    from .models import EmailTemplate

    row = EmailTemplate.objects.filter(key=template).first()
    if row is None:
        return (
            render_to_string(f"emails/{template}_subject.txt", context),
            render_to_string(f"emails/{template}.txt", context),
            render_to_string(f"emails/{template}.html", context),
        )
    return (
        _render_source(row.subject, context),
        _render_source(row.body_text, context),
        _render_source(row.body_html, context),
    )


_SAMPLE_ORG = SimpleNamespace(
    display_name="Acme Corporation",
    name="acme",
    public_id="org_SAMPLE0000000000",
    org_type="company",
    primary_email="team@acme.example",
    logo_url="",
    primary_color="#0d6efd",
    page_background_color="",
)
_SAMPLE_INVITATION = SimpleNamespace(
    first_name="Ada", last_name="Lovelace", email="ada@example.com"
)


def sample_context(key: str) -> dict:
    """A made-up context for previewing `key` in Django admin."""
    base = {"org": _SAMPLE_ORG, "site_url": "https://orgportal.example"}
    expires = datetime.now(UTC) + timedelta(days=7)
    samples = {
        "invitation": {
            "invitation": _SAMPLE_INVITATION,
            "inviter_name": "Grace Hopper",
            "inviter_email": "grace@acme.example",
            "role": "Member",
            "accept_url": "https://orgportal.example/invitations/accept/SAMPLE/",
            "expires_at": expires,
        },
        "invitee_joined": {
            "inviter_name": "Grace Hopper",
            "member_name": "Ada Lovelace",
            "member_email": "ada@example.com",
            "role": "Member",
            "dashboard_url": "https://orgportal.example/o/acme/",
        },
        "org_request": {
            "recipient_name": "Platform Admin",
            "requester_name": "Grace Hopper",
            "requester_email": "grace@acme.example",
            "resubmitted": False,
            "queue_url": "https://orgportal.example/staff/approvals/",
        },
        "org_approved": {
            "requester_name": "Grace Hopper",
            "dashboard_url": "https://orgportal.example/o/acme/",
        },
        "org_rejected": {
            "requester_name": "Grace Hopper",
            "reason": "Please use your company's legal name.",
            "settings_url": "https://orgportal.example/o/acme/settings/",
        },
        "org_suspended": {
            "org_name": "Acme Corporation",
            "recipient_name": "Grace Hopper",
            "reason": "Payment overdue since March.",
            "dashboard_url": "https://orgportal.example/o/acme/",
        },
        "org_unsuspended": {
            "org_name": "Acme Corporation",
            "recipient_name": "Grace Hopper",
            "dashboard_url": "https://orgportal.example/o/acme/",
        },
    }
    return {**base, **samples.get(key, {})}

"""The variables each editable email template may use: one registry, key → variables.

Emails are rendered with plain values only (text, numbers, dates, booleans); a caller
builds the context from its models and passes no model instance, so an edited
template cannot walk from the organization to its creator's password hash. Saving a
template that names anything not listed here for its key is refused, and the admin
shows the list next to the editor.
"""

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Variable:
    """One value a template may print: `{{ name }}`."""

    name: str
    description: str
    example: object


ORGANIZATION_VARIABLES = (
    Variable("org_name", "The organization's display name.", "Acme Corporation"),
    Variable("org_slug", "The organization's short name, as in its URLs.", "acme"),
    Variable("org_logo_url", "The organization's logo URL (https), or empty.", ""),
    Variable(
        "org_primary_color", "The organization's primary colour (#RRGGBB), or empty.", "#0d6efd"
    ),
    Variable(
        "org_page_background_color",
        "The organization's page background colour (#RRGGBB), or empty.",
        "",
    ),
    Variable("site_url", "The portal's base URL.", "https://orgportal.example"),
)

_KEY_VARIABLES = {
    "invitation": (
        Variable("invitee_first_name", "The invited person's first name, or empty.", "Ada"),
        Variable("invitee_last_name", "The invited person's last name, or empty.", "Lovelace"),
        Variable("invitee_email", "The invited address.", "ada@example.com"),
        Variable("inviter_name", "Who sent the invitation (or the organization).", "Grace Hopper"),
        Variable("inviter_email", "The inviter's address, or empty.", "grace@acme.example"),
        Variable("role", "The role offered, e.g. Member.", "Member"),
        Variable(
            "accept_url",
            "The link that accepts the invitation (works once).",
            "https://orgportal.example/invitations/accept/SAMPLE/",
        ),
        Variable(
            "expires_at",
            'When the link expires (a date: use e.g. |date:"j F Y, H:i").',
            datetime(2030, 1, 8, 9, 30, tzinfo=UTC),
        ),
    ),
    "invitee_joined": (
        Variable("inviter_name", "The person who sent the invitation.", "Grace Hopper"),
        Variable("member_name", "The person who joined.", "Ada Lovelace"),
        Variable("member_email", "The address of the person who joined.", "ada@example.com"),
        Variable("role", "Their role in the organization.", "Member"),
        Variable(
            "dashboard_url",
            "The organization's dashboard.",
            "https://orgportal.example/o/acme/",
        ),
    ),
    "org_request": (
        Variable("recipient_name", "The platform admin this email goes to.", "Platform Admin"),
        Variable("requester_name", "Who asked to register the organization.", "Grace Hopper"),
        Variable("requester_email", "The requester's address.", "grace@acme.example"),
        Variable("resubmitted", "True when the request was re-submitted after a rejection.", False),
        Variable(
            "queue_url",
            "The approval queue.",
            "https://orgportal.example/staff/approvals/",
        ),
    ),
    "org_approved": (
        Variable("requester_name", "Who asked to register the organization.", "Grace Hopper"),
        Variable(
            "dashboard_url",
            "The organization's dashboard.",
            "https://orgportal.example/o/acme/",
        ),
    ),
    "org_rejected": (
        Variable("requester_name", "Who asked to register the organization.", "Grace Hopper"),
        Variable("reason", "The platform admins' reason.", "Please use your company's legal name."),
        Variable(
            "settings_url",
            "The organization's settings page, to edit and re-submit.",
            "https://orgportal.example/o/acme/settings/",
        ),
    ),
    "org_suspended": (
        Variable("recipient_name", "The owner this email goes to.", "Grace Hopper"),
        Variable("reason", "The platform admins' reason.", "Payment overdue since March."),
        Variable(
            "dashboard_url",
            "The organization's dashboard.",
            "https://orgportal.example/o/acme/",
        ),
    ),
    "org_unsuspended": (
        Variable("recipient_name", "The owner this email goes to.", "Grace Hopper"),
        Variable(
            "dashboard_url",
            "The organization's dashboard.",
            "https://orgportal.example/o/acme/",
        ),
    ),
    "mfa_reminder": (
        Variable("recipient_name", "The member this email goes to.", "Ada Lovelace"),
        Variable("sender_name", "The owner who sent the reminder.", "Grace Hopper"),
        Variable(
            "required",
            "True when the organization requires two-factor authentication to open it.",
            True,
        ),
        Variable(
            "setup_url",
            "The account page where two-factor authentication is set up.",
            "https://orgportal.example/accounts/2fa/",
        ),
        Variable(
            "dashboard_url",
            "The organization's dashboard.",
            "https://orgportal.example/o/acme/",
        ),
    ),
    "payment_failed": (
        Variable("recipient_name", "The owner or billing contact this email goes to.", "Grace"),
        Variable("amount", "The amount that could not be charged, e.g. 40.00 USD.", "40.00 USD"),
        Variable("invoice_number", "The invoice's number.", "ACME-0004"),
        Variable("grace_days", "Days until new seats are refused.", 7),
        Variable(
            "refused_from",
            'When new seats start to be refused (a date: use e.g. |date:"j F Y").',
            datetime(2030, 1, 8, 9, 30, tzinfo=UTC),
        ),
        Variable(
            "billing_url",
            "The organization's billing page, to update the card.",
            "https://orgportal.example/o/acme/billing/",
        ),
    ),
    "join_request": (
        Variable("recipient_name", "The owner or admin this email goes to.", "Grace Hopper"),
        Variable("requester_name", "Who asks to join.", "Ada Lovelace"),
        Variable(
            "requester_email",
            "The requester's confirmed address in a verified domain.",
            "ada@acme.example",
        ),
        Variable("message", "What the requester wrote, or empty.", "I work in the lab."),
        Variable(
            "requests_url",
            "The organization's page of requests to join, to approve or decline.",
            "https://orgportal.example/o/acme/members/join-requests/",
        ),
    ),
    "join_request_decided": (
        Variable("recipient_name", "The person who asked to join.", "Ada Lovelace"),
        Variable("approved", "True when the request was approved, False when declined.", True),
        Variable("decided_by_name", "The owner or admin who decided.", "Grace Hopper"),
        Variable(
            "dashboard_url",
            "The organization's dashboard (open once approved).",
            "https://orgportal.example/o/acme/",
        ),
    ),
}

TEMPLATE_VARIABLES: dict[str, tuple[Variable, ...]] = {
    key: (*ORGANIZATION_VARIABLES, *variables) for key, variables in _KEY_VARIABLES.items()
}


def variables_for(key: str) -> tuple[Variable, ...]:
    """The documented variables of template `key` (none for an unknown key)."""
    return TEMPLATE_VARIABLES.get(key, ())


def variable_names(key: str) -> frozenset[str]:
    return frozenset(variable.name for variable in variables_for(key))


def sample_context(key: str) -> dict:
    """The example value of each variable of `key`, for previews and the save check."""
    return {variable.name: variable.example for variable in variables_for(key)}

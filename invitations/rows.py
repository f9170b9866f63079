"""The rows of the invitations page, rendered in Python as `organizations.rows` renders
the other long lists: one `html_row` (a lean `format_html`) per row, every value
escaped, the page's links reversed once and its CSRF field shared by every row's form."""

from collections.abc import Collection, Sequence

from django.utils.safestring import SafeString, mark_safe

from organizations.models import Organization
from organizations.rows import ROLE_LABELS, Dates, html_row, row_url

from .models import Invitation

_INVITATION_ROW = (
    '<tr data-testid="invitation-row">\n'
    "<td>{email}</td>\n"
    "<td>{name}</td>\n"
    "<td>{role}</td>\n"
    "<td>{invited_by}</td>\n"
    '<td class="text-end">{send_count}</td>\n'
    '<td class="text-nowrap">{last_sent}</td>\n'
    '<td class="text-nowrap">\n{expires}\n</td>\n'
    '<td class="text-end text-nowrap">\n{actions}</td>\n'
    "</tr>"
)
_EXPIRED = mark_safe('<span class="badge text-bg-secondary">Expired</span>')
_ACTIONS = (
    '<form method="post" action="{resend}" class="d-inline">\n'
    "{csrf}\n"
    '<button type="submit" class="btn btn-sm btn-outline-primary">{verb}</button>\n'
    "</form>\n"
    '<a class="btn btn-sm btn-outline-danger" href="{revoke}">Revoke</a>\n'
)


def invitation_rows(
    invitations: Sequence[Invitation],
    *,
    org: Organization,
    grantable: Collection[str],
    csrf: SafeString,
    dates: Dates,
) -> list[SafeString]:
    """The rows of the pending invitations table; resend (renew, once expired) and revoke
    on the invitations whose role the viewer may grant (`grantable`), which keep their
    `resend_url` and `revoke_url` as the page's context always offered them."""
    resend_url = row_url("invitations:resend", org.name)
    revoke_url = row_url("invitations:revoke", org.name)
    rows = []
    for invitation in invitations:
        expired = invitation.is_expired
        if invitation.role in grantable:
            invitation.resend_url = resend_url(invitation.pk)
            invitation.revoke_url = revoke_url(invitation.pk)
            actions = html_row(
                _ACTIONS,
                resend=invitation.resend_url,
                csrf=csrf,
                verb="Renew" if expired else "Resend",
                revoke=invitation.revoke_url,
            )
        else:
            actions = ""
        inviter = invitation.invited_by
        rows.append(
            html_row(
                _INVITATION_ROW,
                email=invitation.email,
                name=invitation.full_name or "—",
                role=ROLE_LABELS.get(invitation.role, invitation.role),
                invited_by=(inviter.display_name if inviter is not None else "") or "—",
                send_count=invitation.send_count,
                last_sent=dates.format(invitation.last_sent_at, "Y-m-d H:i") or "—",
                expires=_EXPIRED if expired else dates.format(invitation.expires_at, "Y-m-d H:i"),
                actions=actions,
            )
        )
    return rows

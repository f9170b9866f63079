"""The rows of the long list pages (members, child organizations, audit log), rendered in
Python rather than by the template engine.

A row through the template language costs a tag or a filter call per cell, and a
`{% url %}` or `{% csrf_token %}` per link or form: at fifty rows that was most of a
page's server time. Here each row is one `html_row` call (`format_html` without its
per-value wrapper), which escapes every value it is given, user text included; a page's
links are reversed once and filled in per row, and its CSRF field is rendered once and
shared by every row's form. The templates print the rows; the HTML is the one they
rendered themselves.
"""

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as django_date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from . import permissions
from .models import Membership, Organization

# Digits pass every path converter the portal uses (int, slug, str), and appear in no
# URL prefix: a placeholder for a row's value in a URL reversed once per page.
_ROW_MARKER = "987654321987654321"
# What `reverse` leaves unquoted in a URL (Django's `RFC3986_SUBDELIMS` + "/~:@").
_URL_SAFE = "!$&'()*+,;=/~:@"
ROLE_LABELS = dict(Membership.Role.choices)
KIND_LABELS = dict(Organization.Kind.choices)


def row_url(viewname: str, *args, slots: int = 1) -> Callable[..., str]:
    """`url(*values)`: the URL of `viewname` for one row of a list, its last `slots`
    arguments the row's (an id, an org name). Reversed once per page instead of once
    per row (a reverse costs more than the rest of a row's rendering); each value is
    quoted as `reverse` quotes it."""
    markers = [f"{_ROW_MARKER}{i}" for i in range(slots)]
    rest = reverse(viewname, args=[*args, *(int(marker) for marker in markers)])
    tails = []
    for marker in reversed(markers):  # from the right: the page's own arguments come first
        rest, tail = rest.rsplit(marker, 1)
        tails.insert(0, tail)
    pieces = [rest, *tails]
    if slots == 1:
        prefix, suffix = pieces

        def url(value) -> str:
            return f"{prefix}{_url_part(value)}{suffix}"

        return url

    def url_of(*values) -> str:
        parts = [pieces[0]]
        for value, piece in zip(values, pieces[1:], strict=True):
            parts += [_url_part(value), piece]
        return "".join(parts)

    return url_of


def _url_part(value) -> str:
    if isinstance(value, int):
        return str(value)
    return quote(str(value), safe=_URL_SAFE)


def csrf_input(request) -> SafeString:
    """The page's hidden CSRF field, as `{% csrf_token %}` renders it: rendered once and
    put in every row's form."""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )


def _escaped(value) -> str:
    """`conditional_escape(value)` without its lazy-string wrapper, which costs more than
    the escaping in a loop of a thousand cells: HTML-safe values as they are, everything
    else through the same `html.escape` Django's `escape` calls."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def html_row(template: str, /, **values) -> SafeString:
    """`format_html(template, **values)` for the rows of a long list: each value escaped
    unless it is already safe, the template itself trusted."""
    return SafeString(template.format_map({key: _escaped(v) for key, v in values.items()}))


def join_rows(rows: Iterable[SafeString]) -> SafeString:
    """Rows a template prints with one `{{ }}`; each was escaped as it was built."""
    return mark_safe("\n".join(rows))


# --- dates ------------------------------------------------------------------------------

# The `date` filter's format characters rows use, as `str.format` fields of a datetime.
_FORMAT_FIELDS = {
    "Y": "{0.year:04d}",
    "m": "{0.month:02d}",
    "d": "{0.day:02d}",
    "H": "{0.hour:02d}",
    "i": "{0.minute:02d}",
    "s": "{0.second:02d}",
}


def _python_format(date_format: str) -> str | None:
    """`date_format` (the `date` filter's language) as a `str.format` string, or None when
    it uses a character this module does not translate (Django's formatter then runs)."""
    parts = []
    for char in date_format:
        if char in _FORMAT_FIELDS:
            parts.append(_FORMAT_FIELDS[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            parts.append(char.replace("{", "{{").replace("}", "}}"))
    return "".join(parts)


class Dates:
    """Formats datetimes as the templates' `date` filter does: in the current time zone
    (read once, when the page makes its formatter), `iso` as `date:'c'`, `format` as
    `date:"Y-m-d H:i"` and the like. One per page: it translates each format once."""

    def __init__(self):
        self.tz = timezone.get_current_timezone() if settings.USE_TZ else None
        self._formats: dict[str, str | None] = {}

    def local(self, value: datetime) -> datetime:
        if self.tz is not None and timezone.is_aware(value):
            return value.astimezone(self.tz)
        return value

    def iso(self, value: datetime | None) -> str:
        return "" if value is None else self.local(value).isoformat()

    def format(self, value: datetime | None, date_format: str = "Y-m-d") -> str:
        """`value` in `date_format`; "" for no date, as the filter answers."""
        if value is None:
            return ""
        try:
            python_format = self._formats[date_format]
        except KeyError:
            python_format = self._formats[date_format] = _python_format(date_format)
        value = self.local(value)
        if python_format is None:
            return django_date_format(value, date_format)
        return python_format.format(value)


# --- members ----------------------------------------------------------------------------

_MEMBER_ROW = (
    '<tr data-testid="member-row" data-email="{email}">\n'
    "<td>{name}{you}</td>\n"
    "<td>{email}</td>\n"
    '<td data-testid="member-role">{role}{initial_owner}</td>\n'
    '<td class="small">{teams}</td>\n'
    '<td class="text-nowrap"><time datetime="{joined_iso}">{joined}</time></td>\n'
    "{mfa}"
    '<td class="text-end text-nowrap">\n{actions}</td>\n'
    "</tr>"
)
_YOU = mark_safe(' <span class="badge text-bg-light border">you</span>')
_INITIAL_OWNER = mark_safe(' <span class="badge text-bg-light border">initial owner</span>')
_NO_TEAMS = mark_safe('<span class="text-body-secondary">—</span>')
_MFA_ON = mark_safe(
    '<td class="text-nowrap" data-testid="member-mfa"><span class="badge text-bg-success">'
    "On</span></td>\n"
)
_MFA_MISSING = (
    '<td class="text-nowrap" data-testid="member-mfa">'
    '<span class="badge text-bg-warning">No MFA</span>\n'
    '<form method="post" action="{action}" class="d-inline">\n'
    '{csrf}<input type="hidden" name="member" value="{pk}">\n'
    '<button type="submit" class="btn btn-sm btn-link p-0 ms-1">Remind</button>\n'
    "</form></td>\n"
)
_MEMBER_ACTIONS = (
    '<a class="btn btn-sm btn-outline-primary" href="{edit}">Edit</a>\n'
    '<a class="btn btn-sm btn-outline-danger" href="{remove}">Remove</a>\n'
)


def member_rows(
    members: Sequence[Membership],
    *,
    org: Organization,
    viewer: Membership,
    team_names: dict[int, list[str]],
    show_mfa: bool,
    csrf: SafeString,
    dates: Dates,
) -> list[SafeString]:
    """The rows of the members table: name, email, role, teams, joined, MFA (with
    `show_mfa`; each member then has `user_has_mfa`) and the actions `viewer` may take.

    Each member keeps what its row shows, as the page's context always offered it:
    `manageable` (with `edit_url` and `remove_url`), `is_you` and `team_names`."""
    edit_url = row_url("organizations:member_edit", org.name)
    remove_url = row_url("organizations:member_remove", org.name)
    remind_url = reverse("organizations:mfa_reminders", args=[org.name]) if show_mfa else ""
    rows = []
    for member in members:
        user = member.user
        member.is_you = member.pk == viewer.pk
        member.team_names = ", ".join(team_names.get(member.pk, ()))
        member.manageable = permissions.can_manage_member(viewer, member)
        if member.manageable:
            member.edit_url, member.remove_url = edit_url(member.pk), remove_url(member.pk)
            actions = html_row(_MEMBER_ACTIONS, edit=member.edit_url, remove=member.remove_url)
        else:
            actions = ""
        if not show_mfa:
            mfa = ""
        elif member.user_has_mfa:
            mfa = _MFA_ON
        else:
            mfa = html_row(_MFA_MISSING, action=remind_url, csrf=csrf, pk=member.pk)
        rows.append(
            html_row(
                _MEMBER_ROW,
                email=user.email,
                name=user.get_full_name() or "—",
                you=_YOU if member.is_you else "",
                role=ROLE_LABELS.get(member.role, member.role),
                initial_owner=_INITIAL_OWNER if member.user_id == org.created_by_id else "",
                teams=member.team_names or _NO_TEAMS,
                joined_iso=dates.iso(member.created_at),
                joined=dates.format(member.created_at, "Y-m-d"),
                mfa=mfa,
                actions=actions,
            )
        )
    return rows


# --- child organizations ----------------------------------------------------------------

_CHILD_ROW = (
    '<tr data-testid="child-{name}">\n'
    '<td><a href="{dashboard}">{display_name}</a> <code class="small">{name}</code>\n'
    "{below}</td>\n"
    "{inside}"
    '<td><span class="badge {badge}">{kind}</span></td>\n'
    '<td class="text-end">{members}</td>\n'
    '<td class="text-end" title="used / {pool}">{users_used}{users_given} / {users}</td>\n'
    '<td class="text-end">{devices_used}{devices_given} / {devices}</td>\n'
    '<td class="text-end text-nowrap">\n'
    '<a class="btn btn-sm btn-outline-secondary" href="{seats}">Seats</a>\n'
    '<a class="btn btn-sm btn-outline-secondary" href="{edit}">Edit</a>\n'
    "{delete}</td>\n"
    "</tr>"
)
_CHILD_BELOW = (
    '<div><a class="small" href="{children}?under={under}" data-testid="open-{name}">'
    "{count} below ›</a></div>"  # noqa: RUF001 - the page's "opens below" mark
)
_CHILD_INSIDE = '<td class="small">{parent}</td>\n'
_CHILD_DELETE = '<a class="btn btn-sm btn-outline-danger" href="{url}">Delete</a>\n'


def child_rows(
    children: Sequence[Organization], *, org: Organization, search: str, may_delete: bool
) -> list[SafeString]:
    """The rows of the child organizations table, from `selectors.child_rows` (with
    `held_user_seats` added): the parent's name when searching, the link to a group's
    own groups, its seats and the links to manage it."""
    dashboard_url = row_url("organizations:dashboard")
    seats_url = row_url("organizations:child_seats", slots=2)
    settings_url = row_url("organizations:settings")
    delete_url = row_url("organizations:delete") if may_delete else None
    children_url = reverse("organizations:children", args=[org.name])
    rows = []
    for child in children:
        name = child.name
        if child.child_count:
            below = html_row(
                _CHILD_BELOW,
                children=children_url,
                under=quote(name, safe="/"),
                name=name,
                count=child.child_count,
            )
        else:
            below = ""
        is_customer = child.kind == Organization.Kind.CUSTOMER
        rows.append(
            html_row(
                _CHILD_ROW,
                name=name,
                dashboard=dashboard_url(name),
                display_name=child.display_name,
                below=below,
                inside=html_row(_CHILD_INSIDE, parent=child.parent_name) if search else "",
                badge="text-bg-warning" if is_customer else "text-bg-info",
                kind=KIND_LABELS.get(child.kind, child.kind),
                members=child.member_count,
                pool="allotted" if child.kind == Organization.Kind.GROUP else "own pool",
                users_used=child.member_count + child.held_user_seats,
                users_given=_given(child.groups_user_allotment),
                users=child.user_seat_limit,
                devices_used=child.device_count,
                devices_given=_given(child.groups_device_allotment),
                devices=child.device_seat_limit,
                seats=seats_url(child.parent_name, name),
                edit=settings_url(name),
                delete=html_row(_CHILD_DELETE, url=delete_url(name)) if delete_url else "",
            )
        )
    return rows


def _given(seats: int) -> str:
    return f" + {seats}" if seats else ""


# --- audit log --------------------------------------------------------------------------

_AUDIT_ROW = (
    "<tr>\n"
    '<td class="text-nowrap"><time datetime="{iso}">{time}</time></td>\n'
    "<td>{actor}</td>\n"
    "<td><code>{action}</code></td>\n"
    "<td>{target}</td>\n"
    "<td>{ip}</td>\n"
    '<td class="audit-detail"><code class="small">{detail}</code></td>\n'
    "</tr>"
)


def audit_rows(events, *, dates: Dates) -> list[SafeString]:
    """The rows of the audit log table: time, actor, action, target, IP and detail."""
    return [
        html_row(
            _AUDIT_ROW,
            iso=dates.iso(event.created_at),
            time=dates.format(event.created_at, "Y-m-d H:i:s"),
            actor=event.actor_name,
            action=event.action,
            target=event.target,
            ip=event.ip_address or "—",
            detail=event.detail_json,
        )
        for event in events
    ]

"""The long lists' rows rendered in Python (organizations/rows.py, invitations/rows.py):
the HTML the templates rendered, every user text escaped, dates as the `date` filter
writes them, one CSRF field a page that every row's form can post."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from invitations import selectors as invitation_selectors
from invitations.rows import invitation_rows
from organizations import audit_log, permissions, rows, selectors
from organizations.models import AuditEvent, Membership, Organization, Team

from ..factories import InvitationFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOAD = "<b>x</b>&amp;\"'<script>alert(1)</script>"
ESCAPED = "&lt;b&gt;x&lt;/b&gt;&amp;amp;&quot;&#x27;&lt;script&gt;alert(1)&lt;/script&gt;"


def normalized(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.fixture
def request_(owner):
    request = RequestFactory().get("/")
    request.user = owner
    return request


@pytest.fixture
def csrf(request_):
    return rows.csrf_input(request_)


def token_of(csrf) -> str:
    return re.search(r'value="([^"]+)"', csrf).group(1)


@pytest.fixture
def hostile_org(org, owner):
    """Acme with user text holding HTML everywhere a row shows it."""
    Organization.objects.filter(pk=org.pk).update(
        is_reseller=True, user_seat_limit=50, device_seat_limit=10
    )
    org.refresh_from_db()
    default = Team.objects.get(organization=org, is_default=True)
    Team.objects.filter(pk=default.pk).update(name=f"Everyone {PAYLOAD}")
    other = Team.objects.create(organization=org, name=f"B {PAYLOAD}")
    for i, role in enumerate(["member", "admin", "owner", "member"]):
        user = UserFactory(
            email=f'h{i}"<i>&@example.com',
            first_name=PAYLOAD if i % 2 else "",
            last_name=PAYLOAD if i < 2 else "",
        )
        member = MembershipFactory(organization=org, user=user, role=role)
        if i < 3:
            default.members.add(member)
        if i == 1:
            other.members.add(member)
    return org


# --- members ----------------------------------------------------------------------------

MEMBER_ROW_TEMPLATE = """{% for m in members %}
<tr data-testid="member-row" data-email="{{ m.user.email }}">
  <td>{{ m.user.get_full_name|default:"—" }}{% if m.is_you %} <span class="badge text-bg-light border">you</span>{% endif %}</td>
  <td>{{ m.user.email }}</td>
  <td data-testid="member-role">{{ m.get_role_display }}{% if m.is_initial_owner %} <span class="badge text-bg-light border">initial owner</span>{% endif %}</td>
  <td class="small">{{ m.team_names|default:'<span class="text-body-secondary">—</span>' }}</td>
  <td class="text-nowrap"><time datetime="{{ m.created_at|date:'c' }}">{{ m.created_at|date:"Y-m-d" }}</time></td>
  {% if show_mfa %}
  <td class="text-nowrap" data-testid="member-mfa">{% if m.user_has_mfa %}<span class="badge text-bg-success">On</span>{% else %}<span class="badge text-bg-warning">No MFA</span>
    <form method="post" action="{{ remind_url }}" class="d-inline">
      {% csrf_token %}<input type="hidden" name="member" value="{{ m.pk }}">
      <button type="submit" class="btn btn-sm btn-link p-0 ms-1">Remind</button>
    </form>{% endif %}</td>
  {% endif %}
  <td class="text-end text-nowrap">
    {% if m.manageable %}
      <a class="btn btn-sm btn-outline-primary" href="{{ m.edit_url }}">Edit</a>
      <a class="btn btn-sm btn-outline-danger" href="{{ m.remove_url }}">Remove</a>
    {% endif %}
  </td>
</tr>
{% endfor %}"""  # noqa: E501 - the members page's row as its template wrote it


@pytest.mark.parametrize("show_mfa", [True, False])
@pytest.mark.parametrize("viewer_role", ["owner", "admin"])
def test_member_rows_are_the_html_the_template_rendered(
    hostile_org, owner, csrf, show_mfa, viewer_role
):
    viewer = Membership.objects.filter(organization=hostile_org, role=viewer_role).first()
    if viewer_role == "owner":
        viewer = Membership.objects.get(organization=hostile_org, user=owner)
    members = selectors.with_org(list(selectors.members_of(hostile_org)), hostile_org)
    selectors.mark_mfa(members)
    html = rows.join_rows(
        rows.member_rows(
            members,
            org=hostile_org,
            viewer=viewer,
            team_names=selectors.team_names_of(members),
            show_mfa=show_mfa,
            csrf=csrf,
            dates=rows.Dates(),
        )
    )
    expected = render(
        MEMBER_ROW_TEMPLATE,
        members=members,
        show_mfa=show_mfa,
        remind_url=reverse("organizations:mfa_reminders", args=[hostile_org.name]),
        csrf_token=token_of(csrf),
    )
    assert normalized(html) == normalized(expected)
    assert any(m.manageable for m in members) and any(not m.manageable for m in members)
    assert PAYLOAD not in html and ESCAPED in html
    assert "<i>" not in html and 'h0&quot;&lt;i&gt;&amp;@example.com"' in html


def test_the_members_page_escapes_every_user_text(client_for, hostile_org, owner):
    content = client_for(owner).get(reverse("organizations:members", args=["acme"])).content
    content = content.decode()
    assert PAYLOAD not in content and "<i>" not in content
    assert f"Everyone {ESCAPED}, B {ESCAPED}" in content  # a member's teams
    assert f"<td>{ESCAPED} {ESCAPED}</td>" in content  # a member's name


# --- the CSRF field ---------------------------------------------------------------------


def test_the_csrf_field_is_the_one_csrf_token_renders(request_, csrf):
    assert csrf == render("{% csrf_token %}", csrf_token=token_of(csrf))
    assert csrf.startswith('<input type="hidden" name="csrfmiddlewaretoken" value="')


def test_every_row_form_has_one_csrf_field_that_the_server_accepts(hostile_org, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    content = client.get(reverse("organizations:members", args=["acme"])).content.decode()
    forms = re.findall(
        r'<form method="post" action="([^"]+)" class="d-inline">(.*?)</form>', content, re.S
    )
    assert len(forms) == 5  # a Remind form for each member without MFA (the owner too)
    tokens = set()
    for _, body in forms:
        assert body.count('name="csrfmiddlewaretoken"') == 1
        tokens.add(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1))
    assert len(tokens) == 1  # rendered once for the page
    action, body = forms[0]
    member = re.search(r'name="member" value="(\d+)"', body).group(1)
    response = client.post(action, {"csrfmiddlewaretoken": tokens.pop(), "member": member})
    assert response.status_code == 302
    refused = client.post(action, {"member": member})
    assert refused.status_code == 403


# --- invitations ------------------------------------------------------------------------

INVITATION_ROW_TEMPLATE = """{% for invitation in invitations %}
<tr data-testid="invitation-row">
  <td>{{ invitation.email }}</td>
  <td>{{ invitation.full_name|default:"—" }}</td>
  <td>{{ invitation.get_role_display }}</td>
  <td>{{ invitation.invited_by.display_name|default:"—" }}</td>
  <td class="text-end">{{ invitation.send_count }}</td>
  <td class="text-nowrap">{{ invitation.last_sent_at|date:"Y-m-d H:i"|default:"—" }}</td>
  <td class="text-nowrap">
    {% if invitation.is_expired %}<span class="badge text-bg-secondary">Expired</span>
    {% else %}{{ invitation.expires_at|date:"Y-m-d H:i" }}{% endif %}
  </td>
  <td class="text-end text-nowrap">
    {% if invitation.resend_url %}
    <form method="post" action="{{ invitation.resend_url }}" class="d-inline">
      {% csrf_token %}
      <button type="submit" class="btn btn-sm btn-outline-primary">{% if invitation.is_expired %}Renew{% else %}Resend{% endif %}</button>
    </form>
    <a class="btn btn-sm btn-outline-danger" href="{{ invitation.revoke_url }}">Revoke</a>
    {% endif %}
  </td>
</tr>
{% endfor %}"""  # noqa: E501 - the invitations page's row as its template wrote it


@pytest.mark.parametrize("viewer_role", ["owner", "admin"])
def test_invitation_rows_are_the_html_the_template_rendered(hostile_org, owner, csrf, viewer_role):
    inviter = UserFactory(first_name=PAYLOAD, last_name="")
    now = timezone.now()
    for i, role in enumerate(["member", "admin", "owner", "member"]):
        InvitationFactory(
            organization=hostile_org,
            email=f"inv{i}<b>@example.com",
            first_name=PAYLOAD if i else "",
            last_name=PAYLOAD if i == 2 else "",
            role=role,
            invited_by=(inviter, owner, None, inviter)[i],
            expires_at=now + timedelta(days=(7, -1, 3, 1)[i]),
            send_count=i,
            last_sent_at=(now, None, now - timedelta(hours=5), now)[i],
        )
    viewer = Membership.objects.filter(organization=hostile_org, role=viewer_role).first()
    grantable = permissions.grantable_roles(viewer)
    invitations = list(invitation_selectors.invitation_rows_for(hostile_org))
    html = rows.join_rows(
        invitation_rows(
            invitations, org=hostile_org, grantable=grantable, csrf=csrf, dates=rows.Dates()
        )
    )
    expected = render(INVITATION_ROW_TEMPLATE, invitations=invitations, csrf_token=token_of(csrf))
    assert normalized(html) == normalized(expected)
    assert "Renew" in html and "Expired" in html and ">—</td>" in html
    assert PAYLOAD not in html and "<b>@" not in html and ESCAPED in html


# --- child organizations ----------------------------------------------------------------

CHILD_ROW_TEMPLATE = """{% for child in children %}
<tr data-testid="child-{{ child.name }}">
  <td><a href="{% url 'organizations:dashboard' child.name %}">{{ child.display_name }}</a> <code class="small">{{ child.name }}</code>
    {% if child.child_count %}<div><a class="small" href="{% url 'organizations:children' org.name %}?under={{ child.name|urlencode }}" data-testid="open-{{ child.name }}">{{ child.child_count }} below ›</a></div>{% endif %}</td>
  {% if search %}<td class="small">{{ child.parent_name }}</td>{% endif %}
  <td><span class="badge {% if child.kind == 'customer' %}text-bg-warning{% else %}text-bg-info{% endif %}">{{ child.get_kind_display }}</span></td>
  <td class="text-end">{{ child.member_count }}</td>
  <td class="text-end" title="used / {% if child.kind == 'group' %}allotted{% else %}own pool{% endif %}">{{ child.member_count|add:child.held_user_seats }}{% if child.groups_user_allotment %} + {{ child.groups_user_allotment }}{% endif %} / {{ child.user_seat_limit }}</td>
  <td class="text-end">{{ child.device_count }}{% if child.groups_device_allotment %} + {{ child.groups_device_allotment }}{% endif %} / {{ child.device_seat_limit }}</td>
  <td class="text-end text-nowrap">
    <a class="btn btn-sm btn-outline-secondary" href="{% url 'organizations:child_seats' child.parent_name child.name %}">Seats</a>
    <a class="btn btn-sm btn-outline-secondary" href="{% url 'organizations:settings' child.name %}">Edit</a>
    {% if may_delete %}<a class="btn btn-sm btn-outline-danger" href="{% url 'organizations:delete' child.name %}">Delete</a>{% endif %}
  </td>
</tr>
{% endfor %}"""  # noqa: E501, RUF001 - the children page's row as its template wrote it


@pytest.fixture
def tree(hostile_org, owner):
    from organizations import services

    def make(parent, kind, name, users, devices):
        return services.create_child_organization(
            parent=parent,
            creator=owner,
            kind=kind,
            display_name=f"{name.upper()} {PAYLOAD}",
            name=name,
            admin_email=owner.email,
            user_seats=users,
            device_seats=devices,
        )

    g1 = make(hostile_org, "group", "g1", 10, 4)
    make(hostile_org, "customer", "c1", 7, 0)
    g2 = make(g1, "group", "g2", 3, 2)
    make(g2, "group", "g3", 1, 1)
    InvitationFactory(organization=g1)
    return hostile_org


@pytest.mark.parametrize(
    ("search", "under", "may_delete"), [("", None, True), ("", "g1", False), ("G", None, True)]
)
def test_child_rows_are_the_html_the_template_rendered(tree, search, under, may_delete):
    under_org = Organization.objects.get(name=under) if under else None
    children = list(selectors.child_rows(tree, under=under_org, search=search))
    selectors.add_held_seats(children)
    html = rows.join_rows(rows.child_rows(children, org=tree, search=search, may_delete=may_delete))
    expected = render(
        CHILD_ROW_TEMPLATE, children=children, org=tree, search=search, may_delete=may_delete
    )
    assert children and normalized(html) == normalized(expected)
    assert PAYLOAD not in html and ESCAPED in html
    assert ("Delete</a>" in html) == may_delete


def test_the_children_annotations_are_built_once_and_serve_every_query(tree):
    first = list(selectors.child_rows_orm(tree))
    again = list(selectors.child_rows_orm(tree, search="g"))
    assert selectors._child_row_annotations() is selectors._child_row_annotations()
    assert {c.name: c.member_count for c in first} == {"c1": 1, "g1": 1}
    assert {c.name: c.child_count for c in again} == {"g1": 1, "g2": 1, "g3": 0}


# --- audit log --------------------------------------------------------------------------

AUDIT_ROW_TEMPLATE = """{% for event in events %}
<tr>
  <td class="text-nowrap"><time datetime="{{ event.created_at|date:'c' }}">{{ event.created_at|date:"Y-m-d H:i:s" }}</time></td>
  <td>{{ event.actor_name }}</td>
  <td><code>{{ event.action }}</code></td>
  <td>{{ event.target }}</td>
  <td>{{ event.ip_address|default:"—" }}</td>
  <td class="audit-detail"><code class="small">{{ event.detail_json }}</code></td>
</tr>
{% endfor %}"""  # noqa: E501 - the audit log's row as its template wrote it


def test_audit_rows_are_the_html_the_template_rendered(hostile_org):
    for i in range(6):
        AuditEvent.objects.create(
            organization=hostile_org,
            org_name=hostile_org.name,
            org_public_id=hostile_org.public_id,
            actor_email=("", f"{PAYLOAD}@example.com")[i % 2],
            actor_label=PAYLOAD if i in (0, 2) else "",
            action="org.edit" + (PAYLOAD if i == 3 else ""),
            target=PAYLOAD,
            ip_address=("10.0.0.1", None, "::1")[i % 3],
            detail={"k": PAYLOAD, "n": i},
        )
    events = list(audit_log.filtered_events(hostile_org, audit_log.Filters()))
    html = rows.join_rows(rows.audit_rows(events, dates=rows.Dates()))
    assert normalized(html) == normalized(render(AUDIT_ROW_TEMPLATE, events=events))
    assert PAYLOAD not in html and ESCAPED in html and "system" in html


def test_the_audit_page_escapes_every_user_text(client_for, hostile_org, owner):
    AuditEvent.objects.create(
        organization=hostile_org,
        org_name=hostile_org.name,
        org_public_id=hostile_org.public_id,
        actor_label=PAYLOAD,
        action=PAYLOAD,
        target=PAYLOAD,
        detail={"k": PAYLOAD},
    )
    content = client_for(owner).get(reverse("organizations:audit", args=["acme"])).content
    assert PAYLOAD not in content.decode() and f"<code>{ESCAPED}</code>" in content.decode()


# --- dates and links --------------------------------------------------------------------

MOMENTS = [
    datetime(2026, 3, 29, 0, 59, 58, 123456, tzinfo=UTC),  # a daylight saving change
    datetime(987, 1, 2, 3, 4, 5, tzinfo=UTC),  # a year of three digits
    datetime(2025, 12, 31, 23, 30, tzinfo=UTC),  # another day elsewhere
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
@pytest.mark.parametrize("date_format", ["Y-m-d", "Y-m-d H:i", "Y-m-d H:i:s", "D, j M Y P"])
def test_dates_are_written_as_the_date_filter_writes_them(zone, date_format):
    with timezone.override(zone):
        dates = rows.Dates()
        for moment in MOMENTS:
            expected = render("{{ v|date:f }}|{{ v|date:'c' }}", v=moment, f=date_format).split("|")
            assert [dates.format(moment, date_format), dates.iso(moment)] == expected
            assert dates.format(moment, date_format) == dates.format(moment, date_format)
    assert rows.Dates().format(None, "Y-m-d") == "" and rows.Dates().iso(None) == ""


def test_a_row_url_is_the_url_reverse_gives(org):
    member_edit = rows.row_url("organizations:member_edit", org.name)
    assert member_edit(42) == reverse("organizations:member_edit", args=[org.name, 42])
    seats = rows.row_url("organizations:child_seats", slots=2)
    assert seats("acme", "g-1") == reverse("organizations:child_seats", args=["acme", "g-1"])
    dashboard = rows.row_url("organizations:dashboard")
    assert dashboard("a_b-9") == reverse("organizations:dashboard", args=["a_b-9"])
    assert dashboard('x"<y>') == "/o/x%22%3Cy%3E/"  # quoted, never raw markup
    look_alike = rows.row_url("organizations:member_edit", "9876543219876543210")
    assert look_alike(7) == reverse("organizations:member_edit", args=["9876543219876543210", 7])


def test_the_old_import_of_row_url_still_works():
    from organizations.views.base import row_url

    assert row_url is rows.row_url


def test_the_list_pages_show_their_rows(client_for, tree, owner):
    client = client_for(owner)
    children = client.get(reverse("organizations:children", args=["acme"])).content.decode()
    assert 'data-testid="child-g1"' in children and 'data-testid="open-g1"' in children
    invitations = client.get(reverse("invitations:list", args=["acme"])).content.decode()
    assert "No pending invitations." in invitations
    other = OrganizationFactory(created_by=owner, name="other")
    InvitationFactory(organization=other, email=f"x{PAYLOAD}@example.com")
    page = client.get(reverse("invitations:list", args=["other"])).content.decode()
    assert page.count('data-testid="invitation-row"') == 1 and PAYLOAD not in page

"""The staff area (approval queue, staff create), the pending org's pages and the
Django admin actions: organizations/views/approvals.py and organizations/admin.py."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from invitations.models import Invitation
from notifications.models import OutboxEmail
from organizations.models import AuditEvent, GovernanceSettings, Membership, Organization

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "organizations:approvals"


def _emails():
    """(recipient, template) of each decision email in the outbox, oldest first."""
    rows = OutboxEmail.objects.exclude(template="org_request").order_by("pk")
    return list(rows.values_list("recipient", "template"))


@pytest.fixture
def pending(owner):
    return OrganizationFactory(
        created_by=owner, name="waiting", display_name="Waiting Inc", pending=True
    )


# --- who sees the queue -------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse(QUEUE))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["owner", "member", "plain_staff"])
def test_everyone_but_approvers_gets_404(client_for, pending, member_user, owner, who):
    user = {
        "owner": owner,
        "member": member_user,
        "plain_staff": UserFactory(is_staff=True),
    }[who]
    client = client_for(user)
    for url in (
        reverse(QUEUE),
        reverse("organizations:approval_reject", args=[pending.public_id]),
        reverse("organizations:approval_detail", args=[pending.public_id]),
        reverse("organizations:staff_create"),
    ):
        assert client.get(url).status_code == 404, url
    approve = reverse("organizations:approval_approve", args=[pending.public_id])
    assert client.post(approve).status_code == 404
    assert client.post(reverse(QUEUE), {"org": [pending.public_id]}).status_code == 404
    pending.refresh_from_db()
    assert pending.is_pending
    assert b"approvals-link" not in client.get(reverse("organizations:list")).content


def test_the_queue_lists_requests_oldest_first(client_for, platform_admin, owner):
    OrganizationFactory(display_name="Newer", name="newer", pending=True)
    older = OrganizationFactory(
        display_name="Older", name="older", pending=True, org_type="education"
    )
    Organization.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - timezone.timedelta(days=3), primary_email="o@example.com"
    )
    OrganizationFactory(display_name="Active Already", name="active-already")
    response = client_for(platform_admin).get(reverse(QUEUE))
    assert response.status_code == 200
    assert [o.name for o in response.context["requests"]] == ["older", "newer"]
    html = response.content.decode()
    assert "Active Already" not in html
    assert "Education" in html and "o@example.com" in html
    assert older.created_by.email in html
    assert "3\xa0days ago" in html


def test_approve_from_the_queue(client_for, platform_admin, pending, owner):
    client = client_for(platform_admin)
    response = client.post(
        reverse("organizations:approval_approve", args=[pending.public_id]), follow=True
    )
    assert "Waiting Inc approved" in response.content.decode()
    pending.refresh_from_db()
    assert pending.is_active
    assert _emails() == [(owner.email, "org_approved")]
    # Deciding twice: the request is gone from the queue.
    again = client.post(reverse("organizations:approval_approve", args=[pending.public_id]))
    assert again.status_code == 404


def test_reject_asks_for_a_reason(client_for, platform_admin, pending, owner):
    client = client_for(platform_admin)
    url = reverse("organizations:approval_reject", args=[pending.public_id])
    page = client.get(url)
    assert page.status_code == 200 and "Waiting Inc" in page.content.decode()
    assert client.post(url, {"reason": ""}).status_code == 200
    pending.refresh_from_db()
    assert pending.is_pending
    response = client.post(url, {"reason": "Not a real company."})
    assert response.url == reverse(QUEUE)
    pending.refresh_from_db()
    assert pending.is_rejected and pending.rejection_reason == "Not a real company."
    assert _emails() == [(owner.email, "org_rejected")]
    assert "Not a real company." in OutboxEmail.objects.get(template="org_rejected").body_text


def test_bulk_approve(client_for, platform_admin):
    orgs = [OrganizationFactory(pending=True) for _ in range(3)]
    client = client_for(platform_admin)
    response = client.post(reverse(QUEUE), {"org": [o.public_id for o in orgs[:2]]}, follow=True)
    assert "2 organizations approved." in response.content.decode()
    statuses = {o.name: o.status for o in Organization.objects.all()}
    assert [statuses[o.name] for o in orgs] == ["active", "active", "pending"]
    assert len(_emails()) == 2


def test_queue_queries_do_not_grow(client_for, platform_admin, django_assert_max_num_queries):
    client = client_for(platform_admin)
    OrganizationFactory(pending=True)
    client.get(reverse(QUEUE))  # warm the session and the permission cache
    with django_assert_max_num_queries(12) as few:
        client.get(reverse(QUEUE))
    for _ in range(40):
        OrganizationFactory(pending=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(QUEUE))
    assert len(response.context["requests"]) == 25  # a page
    assert response.context["paginator"].count == 41


# --- the badge ----------------------------------------------------------------------


def test_the_badge_counts_requests_for_approvers_only(client_for, platform_admin, owner, pending):
    OrganizationFactory(pending=True)
    html = client_for(platform_admin).get(reverse("organizations:list")).content.decode()
    assert 'data-testid="approvals-badge">2</span>' in html
    html = client_for(owner).get(reverse("organizations:list")).content.decode()
    assert "approvals-badge" not in html


def test_no_badge_query_for_other_users(client_for, owner, django_assert_max_num_queries):
    client = client_for(owner)
    client.get(reverse("organizations:list"))
    with django_assert_max_num_queries(50) as ctx:
        client.get(reverse("organizations:list"))
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "\"status\" = 'pending'" not in sql and 'status" = %s' not in sql


# --- the owner's side ------------------------------------------------------------------


def test_the_owner_sees_the_pending_banner_and_can_edit(client_for, owner, pending):
    client = client_for(owner)
    html = client.get(reverse("organizations:dashboard", args=["waiting"])).content.decode()
    assert "pending-banner" in html and "Waiting for approval" in html
    response = client.post(
        reverse("organizations:settings", args=["waiting"]),
        {
            "display_name": "Waiting Better",
            "name": "waiting",
            "metadata-TOTAL_FORMS": "0",
            "metadata-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.display_name == "Waiting Better" and pending.is_pending
    settings_html = client.get(reverse("organizations:settings", args=["waiting"])).content
    assert b"Withdraw request" in settings_html


@pytest.mark.parametrize(
    "url_name",
    ["invitations:create", "organizations:child_create", "organizations:device_register"],
)
def test_blocked_actions_of_a_pending_org_say_why(client_for, owner, pending, url_name):
    client = client_for(owner)
    url = reverse(url_name, args=["waiting"])
    data = {
        "emails": "x@example.com",
        "role": "member",
        "kind": "group",
        "display_name": "Child",
        "admin_email": owner.email,
        "user_seats": 1,
        "device_seats": 0,
        "identifier": "K-1",
    }
    if url_name == "organizations:device_register":
        data["name"] = "Kiosk"
    else:
        data["name"] = "child"
    response = client.post(url, data, follow=True)
    assert "waiting for approval" in response.content.decode()
    assert Organization.objects.count() == 1
    assert not Invitation.objects.exists() and not pending.devices.exists()


def test_the_owner_sees_the_reason_and_resubmits(client_for, owner, pending, platform_admin):
    from organizations import services

    services.reject_organization(org=pending, actor=platform_admin, reason="Add your VAT id.")
    client = client_for(owner)
    html = client.get(reverse("organizations:dashboard", args=["waiting"])).content.decode()
    assert "rejected-banner" in html and "Add your VAT id." in html
    response = client.post(reverse("organizations:resubmit", args=["waiting"]), follow=True)
    assert "re-submitted" in response.content.decode()
    pending.refresh_from_db()
    assert pending.is_pending
    assert AuditEvent.objects.filter(action="org.resubmit").count() == 1


def test_a_member_cannot_resubmit(client_for, member_user, org):
    response = client_for(member_user).post(reverse("organizations:resubmit", args=[org.name]))
    assert response.status_code == 403


def test_create_page_says_it_waits_for_approval(client_for, owner):
    html = client_for(owner).get(reverse("organizations:create")).content.decode()
    assert "needs-approval" in html
    response = client_for(owner).post(
        reverse("organizations:create"), {"display_name": "Queued Co"}, follow=True
    )
    org = Organization.objects.get(name="queued-co")
    assert org.is_pending
    assert "waiting for approval" in response.content.decode()


def test_users_who_may_not_create_are_told_why(client_for, governance):
    governance.allow_self_registration = False
    governance.save()
    user = UserFactory()
    client = client_for(user)
    html = client.get(reverse("organizations:list")).content.decode()
    assert "create-blocked" in html and "created by the platform admins" in html
    response = client.post(reverse("organizations:create"), {"display_name": "X"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("organizations:list")
    assert not Organization.objects.exists()
    governance.allow_self_registration = True
    governance.who_may_create = GovernanceSettings.WhoMayCreate.BUSINESS
    governance.save()
    html = client.get(reverse("organizations:create"), follow=True).content.decode()
    assert "Only business accounts" in html


# --- staff create ---------------------------------------------------------------------


def test_staff_create_page(client_for, platform_admin):
    existing = UserFactory(email="existing@example.com")
    client = client_for(platform_admin)
    assert client.get(reverse("organizations:staff_create")).status_code == 200
    response = client.post(
        reverse("organizations:staff_create"),
        {"owner_email": "existing@example.com", "display_name": "For Existing"},
        follow=True,
    )
    assert "existing@example.com is its owner" in response.content.decode()
    org = Organization.objects.get(name="for-existing")
    assert org.is_active and Membership.objects.get(organization=org).user == existing
    response = client.post(
        reverse("organizations:staff_create"),
        {"owner_email": "nobody@example.com", "display_name": "For Nobody"},
        follow=True,
    )
    assert "was invited as its owner" in response.content.decode()
    assert Invitation.objects.get().email == "nobody@example.com"
    taken = client.post(
        reverse("organizations:staff_create"),
        {"owner_email": "nobody@example.com", "display_name": "X", "name": "for-nobody"},
    )
    assert "This name is taken" in taken.content.decode()


# --- Django admin ---------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_approve_action(superuser_client, pending, owner):
    response = superuser_client.post(
        reverse("admin:organizations_organization_changelist"),
        {"action": "approve_selected", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert "1 organization(s) approved." in response.content.decode()
    pending.refresh_from_db()
    assert pending.is_active
    assert AuditEvent.objects.filter(action="org.approve").count() == 1
    assert _emails() == [(owner.email, "org_approved")]


def test_admin_reject_action_asks_for_a_reason(superuser_client, pending, owner):
    url = reverse("admin:organizations_organization_changelist")
    page = superuser_client.post(
        url, {"action": "reject_selected", "_selected_action": [pending.pk]}
    )
    assert page.status_code == 200 and b"Reason" in page.content
    pending.refresh_from_db()
    assert pending.is_pending
    superuser_client.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [pending.pk],
            "apply": "1",
            "reason": "Duplicate of acme.",
        },
    )
    pending.refresh_from_db()
    assert pending.is_rejected and pending.rejection_reason == "Duplicate of acme."
    assert "Duplicate of acme." in OutboxEmail.objects.get(template="org_rejected").body_text


def test_admin_actions_need_the_approve_permission(client, pending):
    User = get_user_model()
    staff = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_organization"))
    staff = User.objects.get(pk=staff.pk)
    client.force_login(staff)
    response = client.get(reverse("admin:organizations_organization_changelist"))
    assert response.status_code == 200
    assert b"approve_selected" not in response.content
    client.post(
        reverse("admin:organizations_organization_changelist"),
        {"action": "approve_selected", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.is_pending


def test_admin_links_to_staff_create(superuser_client):
    html = superuser_client.get(reverse("admin:organizations_organization_changelist")).content
    assert reverse("organizations:staff_create").encode() in html


# --- a request in full ---------------------------------------------------------------


def test_the_queue_opens_a_request_with_its_metadata_requester_and_history(
    client_for, platform_admin, owner, pending, django_assert_max_num_queries
):
    pending.metadata = {"region": "<b>eu-west</b>", "size": "12"}
    pending.save(update_fields=["metadata"])
    OrganizationFactory(created_by=owner, name="earlier", display_name="Earlier Co")
    AuditEvent.objects.create(
        organization=pending,
        org_name=pending.name,
        org_public_id=pending.public_id,
        actor=owner,
        actor_email=owner.email,
        action="org.create",
    )
    client = client_for(platform_admin)
    detail = reverse("organizations:approval_detail", args=[pending.public_id])
    assert detail in client.get(reverse(QUEUE)).content.decode()

    with django_assert_max_num_queries(12):
        page = client.get(detail)
    assert page.status_code == 200
    text = page.content.decode()
    assert "&lt;b&gt;eu-west&lt;/b&gt;" in text and "<b>eu-west" not in text
    assert owner.email in text
    assert "Earlier Co" in text
    assert "org.create" in text
    assert reverse("organizations:approval_approve", args=[pending.public_id]) in text
    assert reverse("organizations:approval_reject", args=[pending.public_id]) in text


def test_a_decided_request_shows_its_outcome_without_buttons(client_for, platform_admin, owner):
    rejected = OrganizationFactory(
        created_by=owner, name="nope", display_name="Nope Ltd", pending=True
    )
    rejected.status = Organization.Status.REJECTED
    rejected.rejection_reason = "Not a real company"
    rejected.save(update_fields=["status", "rejection_reason"])
    client = client_for(platform_admin)
    text = client.get(reverse("organizations:approval_detail", args=[rejected.public_id]))
    text = text.content.decode()
    assert "Not a real company" in text
    assert reverse("organizations:approval_approve", args=[rejected.public_id]) not in text


def test_an_unknown_request_is_404(client_for, platform_admin):
    response = client_for(platform_admin).get(
        reverse("organizations:approval_detail", args=["org_doesnotexist00"])
    )
    assert response.status_code == 404

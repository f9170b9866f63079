from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from invitations.models import Invitation
from notifications.models import OutboxEmail
from organizations.models import AuditEvent

from ..factories import InvitationFactory, OutboxEmailFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_admin_lists_invitations_and_the_outbox(staff_client, org):
    InvitationFactory.create_batch(3, organization=org)
    OutboxEmailFactory(status="failed", attempts=8, last_error="SMTPException: 550 nope")
    response = staff_client.get(reverse("admin:invitations_invitation_changelist"))
    assert response.status_code == 200
    response = staff_client.get(reverse("admin:notifications_outboxemail_changelist"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "550 nope" in content and "Failed" in content
    invitation = Invitation.objects.first()
    page = staff_client.get(reverse("admin:invitations_invitation_change", args=[invitation.pk]))
    assert page.status_code == 200
    assert invitation.token_hash not in page.content.decode()


def test_admin_revoke_and_resend_call_the_services(
    staff_client, staff, org, django_capture_on_commit_callbacks
):
    to_revoke = InvitationFactory(organization=org)
    to_resend = InvitationFactory(
        organization=org, last_sent_at=timezone.now() - timedelta(minutes=5)
    )
    url = reverse("admin:invitations_invitation_changelist")
    staff_client.post(url, {"action": "revoke", "_selected_action": [to_revoke.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"action": "resend", "_selected_action": [to_resend.pk]})
    to_revoke.refresh_from_db()
    to_resend.refresh_from_db()
    assert to_revoke.status == "revoked"
    assert to_resend.send_count == 2
    assert [m.to for m in mail.outbox] == [[to_resend.email]]
    assert set(AuditEvent.objects.filter(actor=staff).values_list("action", flat=True)) == {
        "member.invite.revoke",
        "member.invite.resend",
    }


def test_admin_retries_failed_emails(staff_client, django_capture_on_commit_callbacks):
    failed = OutboxEmailFactory(status="failed", attempts=8, last_error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:notifications_outboxemail_changelist"),
            {"action": "retry", "_selected_action": [failed.pk]},
        )
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert len(mail.outbox) == 1


def test_outbox_rows_cannot_be_added_edited_or_deleted(staff_client):
    row = OutboxEmailFactory()
    assert staff_client.get(reverse("admin:notifications_outboxemail_add")).status_code == 403
    response = staff_client.post(
        reverse("admin:notifications_outboxemail_change", args=[row.pk]), {"subject": "forged"}
    )
    assert response.status_code == 403
    assert OutboxEmail.objects.get().subject == row.subject


def test_demo_invitations_are_idempotent(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path)
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for _ in range(2):
        call_command("load_demo_invitations", stdout=open("/dev/null", "w"))  # noqa: SIM115
    statuses = dict(
        Invitation.objects.filter(organization__name="acme").values_list("email", "status")
    )
    assert statuses == {
        "new.hire@acme.test": "pending",
        "contractor@acme.test": "pending",
        "cto@acme.test": "pending",
        "late.reply@acme.test": "expired",
    }

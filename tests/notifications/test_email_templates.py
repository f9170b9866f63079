"""Editable email templates: notifications/models.py EmailTemplate, templating.py, admin."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from invitations import services as invitation_services
from notifications import services
from notifications.models import EmailTemplate, OutboxEmail
from notifications.templating import default_source, sample_context
from organizations import services as org_services

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

KEYS = EmailTemplate.Key.values


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _edit(key, **parts):
    return EmailTemplate.objects.create(key=key, **{**default_source(key), **parts})


@pytest.mark.parametrize("key", KEYS)
def test_every_notification_has_a_shipped_default_and_renders(key):
    source = default_source(key)
    assert set(source) == {"subject", "body_text", "body_html"}
    subject, body_text, body_html = services.render_email(template=key, context=sample_context(key))
    assert subject and "\n" not in subject
    assert "Acme Corporation" in subject + body_text
    assert body_html.lstrip().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("key", KEYS)
def test_an_edit_takes_effect_and_a_reset_brings_the_default_back(key):
    _edit(key, subject="Edited {{ org_name }}", body_text="Edited text")
    subject, body_text, _ = services.render_email(template=key, context=sample_context(key))
    assert (subject, body_text) == ("Edited Acme Corporation", "Edited text")
    assert services.reset_email_templates(keys=[key]) == 1
    subject, _, _ = services.render_email(template=key, context=sample_context(key))
    assert not subject.startswith("Edited")


def test_an_edited_invitation_is_what_invitees_get(org, owner, django_capture_on_commit_callbacks):
    _edit(
        "invitation",
        subject="Come aboard {{ org_name }}",
        body_text="Click {{ accept_url }} now",
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_services.invite_member(org=org, inviter=owner, email="new@example.com")
    (message,) = mail.outbox
    assert message.subject == "Come aboard Acme Corporation"
    assert message.body.startswith("Click http") and "/invitations/accept/" in message.body


def test_an_edited_joined_email_is_what_inviters_get(
    org, owner, django_capture_on_commit_callbacks
):
    _edit("invitee_joined", subject="{{ member_email }} is in")
    invitee = UserFactory(email="joiner@example.com")
    invitation = invitation_services.invite_member(
        org=org, inviter=owner, email="joiner@example.com"
    )
    from invitations.tokens import generate_token

    token, token_hash = generate_token()
    type(invitation).objects.filter(pk=invitation.pk).update(token_hash=token_hash)
    invitation_services.accept_invitation(token=token, user=invitee)
    row = OutboxEmail.objects.get(template="invitee_joined")
    assert row.subject == "joiner@example.com is in"


def test_edited_approval_emails_carry_the_reason(owner, django_capture_on_commit_callbacks):
    admin = UserFactory(is_staff=True, is_superuser=True)
    _edit("org_rejected", subject="No for {{ org_slug }}", body_text="Because: {{ reason }}")
    org = OrganizationFactory(created_by=owner, name="waiting", pending=True)
    with django_capture_on_commit_callbacks(execute=True):
        org_services.reject_organization(org=org, actor=admin, reason="it's <b>bad</b>")
    (message,) = [m for m in mail.outbox if m.to == [owner.email]]
    assert message.subject == "No for waiting"
    # The text body and the subject are not escaped; the HTML body is.
    assert message.body == "Because: it's <b>bad</b>"
    assert "it&#x27;s &lt;b&gt;bad&lt;/b&gt;" in message.alternatives[0][0]


@pytest.mark.parametrize("part", ["subject", "body_text", "body_html"])
def test_a_syntax_error_is_refused_on_the_field(part):
    template = EmailTemplate(key="org_approved", **default_source("org_approved"))
    setattr(template, part, "Hello {% if %}")
    with pytest.raises(ValidationError) as info:
        template.full_clean()
    assert list(info.value.message_dict) == [part]
    assert "Template syntax error" in info.value.message_dict[part][0]


def test_a_template_that_fails_when_rendered_is_refused():
    template = EmailTemplate(key="org_approved", **default_source("org_approved"))
    template.body_html = "<p>{{ requester_name|divisibleby:0 }}</p>"
    with pytest.raises(ValidationError) as info:
        template.full_clean()
    assert list(info.value.message_dict) == ["body_html"]
    assert "Rendering with sample values failed" in info.value.message_dict["body_html"][0]


def test_admin_refuses_a_syntax_error_and_shows_it(staff_client):
    data = {**default_source("org_approved"), "key": "org_approved"}
    data["body_text"] = "Hi {% if requester_name %}"
    response = staff_client.post(reverse("admin:notifications_emailtemplate_add"), data)
    assert response.status_code == 200
    assert "Template syntax error" in response.content.decode()
    assert not EmailTemplate.objects.exists()
    data["body_text"] = "Hi {{ requester_name }}"
    response = staff_client.post(reverse("admin:notifications_emailtemplate_add"), data)
    assert response.status_code == 302
    assert EmailTemplate.objects.get().body_text == "Hi {{ requester_name }}"


def test_admin_lists_defaults_and_prefills_them(staff_client):
    _edit("invitation")
    response = staff_client.get(reverse("admin:notifications_emailtemplate_changelist"))
    html = response.content.decode()
    assert "?key=org_rejected" in html and "?key=invitation" not in html
    add = staff_client.get(reverse("admin:notifications_emailtemplate_add") + "?key=org_rejected")
    assert "{{ reason }}" in add.content.decode()


def test_admin_preview_renders_with_sample_values(staff_client):
    url = reverse("admin:notifications_emailtemplate_preview", args=["org_rejected"])
    html = staff_client.get(url).content.decode()
    assert "Acme Corporation was not approved" in html
    assert "legal name" in html  # the sample reason
    _edit("org_rejected", subject="Edited {{ org_slug }}")
    assert "Edited acme" in staff_client.get(url).content.decode()
    unknown = reverse("admin:notifications_emailtemplate_preview", args=["nope"])
    assert staff_client.get(unknown).status_code == 404


def test_admin_reset_action(staff_client):
    row = _edit("org_approved", subject="Edited")
    staff_client.post(
        reverse("admin:notifications_emailtemplate_changelist"),
        {"action": "reset_to_default", "_selected_action": [row.pk]},
    )
    assert not EmailTemplate.objects.exists()


def test_preview_is_for_staff_only(client, owner):
    client.force_login(owner)
    url = reverse("admin:notifications_emailtemplate_preview", args=["org_rejected"])
    assert client.get(url).status_code == 302  # the admin's login page

"""The email template sandbox: notifications/templating.py, variables.py, sandbox_tags.py."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.safestring import mark_safe

from invitations import services as invitation_services
from notifications import services
from notifications.models import EmailTemplate
from notifications.templating import UnsafeEmailContext, default_source, plain_context
from notifications.variables import TEMPLATE_VARIABLES, sample_context, variables_for

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

KEYS = EmailTemplate.Key.values


def _template(key="org_rejected", **parts):
    return EmailTemplate(key=key, **{**default_source(key), **parts})


def _refusal(template) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        template.full_clean()
    return info.value.message_dict


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_template_key_documents_its_variables():
    assert set(KEYS) <= set(TEMPLATE_VARIABLES)
    for key in KEYS:
        names = [v.name for v in variables_for(key)]
        assert len(names) == len(set(names))
        assert all(v.description for v in variables_for(key))
        assert "org_name" in names and "org" not in names


@pytest.mark.parametrize("key", KEYS)
def test_the_shipped_defaults_pass_the_save_check(key):
    _template(key).full_clean()


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("{{ org.created_by.password }}", "Unknown variables: org.created_by.password"),
        ("{{ org_name.upper }}", "Unknown variables: org_name.upper"),
        ("Hi {{ requester }}", "Unknown variables: requester"),
        ("{% if org.created_by.is_staff %}x{% endif %}", "Unknown variables: org.created_by"),
        ("{{ reason|default:org.created_by.password }}", "Unknown variables: org.created_by"),
        ("{% with p=org.created_by.password %}{{ p }}{% endwith %}", "org.created_by.password"),
        ("{% if not reason or x in y %}{% endif %}", "Unknown variables: x, y"),
    ],
)
def test_an_unknown_variable_or_attribute_is_refused_on_its_field(source, shown):
    errors = _refusal(_template(body_text=source))
    assert list(errors) == ["body_text"]
    assert shown in errors["body_text"][0]
    assert "This template can use: " in errors["body_text"][0]
    assert "requester_name" in errors["body_text"][0]


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("{% for m in org.memberships.all %}{{ m.user.password }}{% endfor %}", "{% for %}"),
        ("{% load static %}{% static 'x' %}", "{% load %}"),
        ('{% include "x.html" %}', "{% include %}"),
        ('{% extends "base.html" %}', "{% extends %}"),
        ('{% ssi "/etc/passwd" %}', "{% ssi %}"),
        ("{% debug %}", "{% debug %}"),
        ('{% url "organizations:approvals" %}', "{% url %}"),
        ("{% csrf_token %}", "{% csrf_token %}"),
        ("{% comment %}{% load static %}{% endcomment %}", "{% load %}"),
    ],
)
@pytest.mark.parametrize("part", ["subject", "body_html"])
def test_a_tag_outside_the_allowed_ones_is_refused_on_its_field(source, tag, part):
    errors = _refusal(_template(**{part: source}))
    assert list(errors) == [part]
    assert "These tags are not allowed in email templates: " + tag in errors[part][0]


def test_the_html_body_may_not_unescape():
    for source in ("{{ reason|safe }}", "{% autoescape off %}{{ reason }}{% endautoescape %}"):
        errors = _refusal(_template(body_html=source))
        assert "The HTML body must escape what it prints" in errors["body_html"][0]
    # A text body is not HTML: the old defaults' wrapper there is harmless.
    _template(body_text="{% autoescape off %}{{ reason }}{% endautoescape %}").full_clean()


def test_a_template_using_the_documented_variables_and_tags_is_saved_and_renders(
    django_capture_on_commit_callbacks,
):
    template = _template(
        "invitation",
        subject="{% with who=inviter_name %}{{ who }} → {{ org_name }}{% endwith %}",
        body_text=(
            "{% comment %}a note{% endcomment %}{% if invitee_first_name %}Hi "
            "{{ invitee_first_name|title }}{% else %}Hello{% endif %}, "
            '{% spaceless %}{{ accept_url }}{% endspaceless %} until {{ expires_at|date:"Y-m-d" }}'
            ' ({% now "Y" as year %}{{ year }})'
        ),
    )
    template.full_clean()
    template.save()
    subject, body_text, _ = services.render_email(
        template="invitation", context=sample_context("invitation")
    )
    assert subject == "Grace Hopper → Acme Corporation"
    assert body_text.startswith(
        "Hi Ada, https://orgportal.example/invitations/accept/SAMPLE/ until 2030-01-08 ("
    )


def test_the_admin_shows_the_error_on_the_field(staff_client):
    data = {**default_source("org_rejected"), "key": "org_rejected"}
    data["body_text"] = "{{ org.created_by.password }} {% for m in org.memberships.all %}"
    response = staff_client.post(reverse("admin:notifications_emailtemplate_add"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "These tags are not allowed in email templates: {% for %}" in html
    assert 'class="errorlist' in html
    assert not EmailTemplate.objects.exists()
    data["body_text"] = "{{ org.created_by.password }}"
    html = staff_client.post(reverse("admin:notifications_emailtemplate_add"), data)
    assert "Unknown variables: org.created_by.password" in html.content.decode()
    assert not EmailTemplate.objects.exists()


def test_the_admin_change_page_lists_the_variables_of_its_key(staff_client):
    row = EmailTemplate.objects.create(key="invitation", **default_source("invitation"))
    html = staff_client.get(
        reverse("admin:notifications_emailtemplate_change", args=[row.pk])
    ).content.decode()
    for variable in variables_for("invitation"):
        assert f"<code>{{{{ {variable.name} }}}}</code>" in html
    assert "The link that accepts the invitation (works once)." in html
    assert "{{ reason }}" not in html  # another key's variable
    assert "Who sent the invitation" in html
    add = staff_client.get(reverse("admin:notifications_emailtemplate_add") + "?key=org_rejected")
    assert "The platform admins&#x27; reason." in add.content.decode()


def test_an_invitation_never_mails_a_password_hash_even_past_the_save_check(
    org, owner, django_capture_on_commit_callbacks
):
    # Written without `full_clean` (a shell, a fixture, an old row): the render path
    # still has nothing but plain values to give it.
    walks = (
        "{{ org.created_by.password }}{{ invitation.invited_by.password }}{{ inviter.password }}"
    )
    EmailTemplate.objects.create(
        key="invitation",
        subject="Join {{ org_name }} " + walks,
        body_text=f"[{walks}] {{{{ accept_url }}}}",
        body_html=f"<p>{walks}</p>",
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_services.invite_member(org=org, inviter=owner, email="new@example.com")
    (message,) = mail.outbox
    sent = message.subject + message.body + message.alternatives[0][0]
    assert owner.password and owner.password not in sent
    assert message.subject == "Join Acme Corporation"
    assert message.body.startswith("[] http") and "/invitations/accept/" in message.body


def test_a_stored_template_the_sandbox_cannot_run_falls_back_to_the_default(
    org, owner, django_capture_on_commit_callbacks, caplog
):
    EmailTemplate.objects.create(
        key="invitation",
        subject="{% load static %}Join",
        body_text="{% for m in org.memberships.all %}{{ m.user.password }}{% endfor %}",
        body_html='{% include "emails/invitation.html" %}',
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_services.invite_member(org=org, inviter=owner, email="new@example.com")
    (message,) = mail.outbox
    assert (
        message.subject == f"{owner.display_name} invited you to join Acme Corporation on Orgportal"
    )
    assert owner.password not in message.body + message.alternatives[0][0]
    assert "edited email template 'invitation' failed; using the default" in caplog.text


def test_the_render_path_refuses_values_that_are_not_plain(org):
    context = {**sample_context("org_approved"), "org": org}
    with pytest.raises(UnsafeEmailContext, match="org"):
        services.render_email(template="org_approved", context=context)
    with pytest.raises(UnsafeEmailContext, match="nested"):
        plain_context("org_approved", {"nested": {"password": "x"}})
    # Undocumented names are dropped, marked-safe text is escaped again in HTML.
    values = plain_context(
        "org_rejected", {"reason": mark_safe("<b>x</b>"), "extra": "dropped", "org_slug": "a"}
    )
    assert values == {"reason": "<b>x</b>", "org_slug": "a"}
    EmailTemplate.objects.create(
        key="org_rejected", subject="S", body_text="T", body_html="<p>{{ reason }}</p>"
    )
    _, _, body_html = services.render_email(
        template="org_rejected", context={"reason": mark_safe("<b>x</b>")}
    )
    assert body_html == "<p>&lt;b&gt;x&lt;/b&gt;</p>"

"""Outbox rows get a stable Message-ID and a claim ("sending", claimed_at); edited email
templates move from model attributes (`org.display_name`) to plain variables
(`org_name`), the only values the sandbox gives them.
"""

import re

from django.conf import settings
from django.core.mail import make_msgid
from django.db import migrations, models

import notifications.models

# The attributes the shipped defaults used, and the plain variable each became.
RENAMED = {
    "org.display_name": "org_name",
    "org.name": "org_slug",
    "org.logo_url": "org_logo_url",
    "org.primary_color": "org_primary_color",
    "org.page_background_color": "org_page_background_color",
    "invitation.first_name": "invitee_first_name",
    "invitation.last_name": "invitee_last_name",
    "invitation.email": "invitee_email",
}
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


def _rename(source: str, names: dict[str, str]) -> str:
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(old) for old in names) + r")(?![\w])")
    return _TAG.sub(lambda tag: pattern.sub(lambda m: names[m.group(1)], tag.group(0)), source)


def rewrite_source(source: str) -> str:
    """`{{ org.display_name }}` → `{{ org_name }}`; text outside tags is kept."""
    return _rename(source, RENAMED)


def _rewrite(apps, names):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for row in EmailTemplate.objects.all():
        for part in ("subject", "body_text", "body_html"):
            setattr(row, part, _rename(getattr(row, part), names))
        row.save(update_fields=["subject", "body_text", "body_html"])


def rewrite_templates(apps, schema_editor):
    _rewrite(apps, RENAMED)


def restore_templates(apps, schema_editor):
    _rewrite(apps, {new: old for old, new in RENAMED.items()})


def give_each_row_a_message_id(apps, schema_editor):
    from urllib.parse import urlsplit

    domain = urlsplit(settings.SITE_URL).hostname or "orgportal.local"
    OutboxEmail = apps.get_model("notifications", "OutboxEmail")
    for pk in OutboxEmail.objects.filter(message_id__isnull=True).values_list("pk", flat=True):
        OutboxEmail.objects.filter(pk=pk).update(message_id=make_msgid(domain=domain))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_suspension_email_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="claimed_at",
            field=models.DateTimeField(
                blank=True, help_text="When a worker took the row to send it.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="outboxemail",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                ],
                db_index=True,
                default="queued",
                max_length=20,
            ),
        ),
        # Nullable first: each existing row then gets an id of its own, not one shared
        # default.
        migrations.AddField(
            model_name="outboxemail",
            name="message_id",
            field=models.CharField(max_length=255, null=True, editable=False),
        ),
        migrations.RunPython(give_each_row_a_message_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outboxemail",
            name="message_id",
            field=models.CharField(
                default=notifications.models.new_message_id,
                editable=False,
                help_text="The same header on every attempt, so a repeat can be recognized.",
                max_length=255,
                unique=True,
                verbose_name="Message-ID",
            ),
        ),
        migrations.RunPython(rewrite_templates, restore_templates),
    ]

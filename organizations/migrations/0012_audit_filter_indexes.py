import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0011_membership_user_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['organization', 'action', '-created_at', '-id'], name='audit_org_action_recent'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(models.F('organization'), django.db.models.functions.text.Upper('actor_email'), models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='audit_org_actor_recent'),
        ),
    ]

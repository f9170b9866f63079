# Staff act by permissions: seat limits and the reseller flag get their own.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0006_names_unique_ci_audit_append_only"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="organization",
            options={
                "ordering": ["display_name", "name"],
                "permissions": [
                    ("approve_organization", "Can approve or reject organization requests"),
                    ("suspend_organization", "Can suspend organizations and lift suspensions"),
                    ("change_seat_limits", "Can set organization seat limits and allotments"),
                    ("change_reseller", "Can mark or unmark organizations as resellers"),
                ],
            },
        ),
    ]

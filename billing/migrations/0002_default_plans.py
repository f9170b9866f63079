from django.db import migrations

PLANS = [
    # code, name, price per seat (cents), included users, included devices, most users,
    # child organizations, customers, order
    ("free", "Free", 0, 5, 2, 5, False, False, 0),
    ("team", "Team", 800, 5, 10, 100, False, False, 1),
    ("enterprise", "Enterprise", 1500, 10, 50, 1000, True, True, 2),
]


def add_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, name, price, users, devices, most, children, customers, order in PLANS:
        Plan.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "price_per_seat_cents": price,
                "included_user_seats": users,
                "included_device_seats": devices,
                "max_user_seats": most,
                "allows_child_organizations": children,
                "allows_customers": customers,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(add_plans, migrations.RunPython.noop)]

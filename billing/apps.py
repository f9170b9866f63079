from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        """Plug into organizations through its one extension point, `organizations.hooks`."""
        from organizations import hooks

        from . import guards

        # A payment past due beyond the grace period refuses new seats until it is paid.
        hooks.register_seat_guard("billing", guards.refuse_seats_while_overdue)
        # Child organizations need a plan with them (Amplify's enterprise rule).
        hooks.register_child_guard("billing", guards.refuse_children_without_plan)

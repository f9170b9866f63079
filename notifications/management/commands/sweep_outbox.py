from django.core.management.base import BaseCommand

from notifications import services


class Command(BaseCommand):
    help = (
        "Re-queue outbox emails left unsent for over 5 minutes or stuck in sending past "
        "OUTBOX_SENDING_TIMEOUT_SECONDS, and run the sweep hooks "
        "(expire invitations). Celery beat runs the same sweep every minute."
    )

    def handle(self, *args, **options):
        for name, count in services.sweep().items():
            self.stdout.write(f"{name}: {count}")

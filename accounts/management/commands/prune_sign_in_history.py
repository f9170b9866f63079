from django.core.management.base import BaseCommand

from accounts.tasks import prune_sign_in_history


class Command(BaseCommand):
    help = (
        "Delete sign-in history older than LOGIN_HISTORY_RETENTION_DAYS (90), expired "
        "sessions and their session rows. Celery beat runs the same task every hour."
    )

    def handle(self, *args, **options):
        for name, count in prune_sign_in_history().items():
            self.stdout.write(f"{name}: {count}")

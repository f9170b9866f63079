"""The Celery application: configured from Django's settings, tasks found per app."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("orgportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect(weak=False)
def _django_logging(**kwargs):
    """Workers log like the web processes (settings.LOGGING: plain or JSON, with the
    request id that queued the task) instead of Celery's own format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        # Celery signals: the request id travels with queued tasks; outcomes are counted.
        from . import celery_signals  # noqa: F401

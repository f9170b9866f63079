from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Enterprise sign-in"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the sign-in handlers)

from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Enterprise sign-in"

    def ready(self) -> None:
        from organizations import audit_log

        from . import signals  # noqa: F401  (connects the sign-in handlers)

        # Offered by the audit log's action filter.
        sso_actions = (
            "member.join_domain",
            "member.join_sso",
            "sso.connection_add",
            "sso.connection_edit",
            "sso.connection_remove",
            "sso.domain_add",
            "sso.domain_check",
            "sso.domain_remove",
            "sso.domain_verify",
            "sso.policy",
        )
        audit_log.KNOWN_ACTIONS = tuple(dict.fromkeys((*audit_log.KNOWN_ACTIONS, *sso_actions)))

from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Enterprise sign-in"

    def ready(self) -> None:
        from organizations import audit_log, hooks

        from . import signals  # noqa: F401  (connects the sign-in handlers)
        from .join_views import join_requests_link

        # The members page links to the requests to join, with the number pending.
        hooks.register_member_list_link("sso.join_requests", join_requests_link)

        # Offered by the audit log's action filter.
        sso_actions = (
            "member.join_domain",
            "member.join_request",
            "member.join_request_approve",
            "member.join_request_decline",
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

from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "invitations"
    verbose_name = "Invitations"

    def ready(self):
        # A child organization's admin email becomes an owner invitation.
        from organizations import hooks

        from .services import invite_owner

        hooks.register_owner_inviter(invite_owner)

from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "invitations"
    verbose_name = "Invitations"

    def ready(self):
        """Plug into organizations through its one extension point, `organizations.hooks`."""
        from organizations import hooks

        from . import selectors
        from .services import invite_owner, revoke_for_removed_member

        # A pending invitation holds a user seat of its org until it ends.
        hooks.register_seat_holder(
            "invitations",
            held_count=selectors.held_seat_count,
            annotation=selectors.held_seat_annotation,
            held_counts=selectors.held_seat_counts,
            held_statement=selectors.held_seat_statement,
        )
        # A removed member's open invitations to the org are revoked, with audit rows.
        hooks.register_member_removed("invitations", revoke_for_removed_member)
        # A child organization's admin email becomes an owner invitation.
        hooks.register_owner_inviter(invite_owner)

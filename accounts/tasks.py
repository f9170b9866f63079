"""Periodic clean-up of the account data: run by Celery beat (config/settings.py)."""

from celery import shared_task

from . import login_history, sessions


@shared_task
def prune_sign_in_history() -> dict[str, int]:
    """Delete sign-in history past its retention, expired sessions and their rows."""
    return {
        "sign_in_events": login_history.prune(),
        "ended_sessions": sessions.clear_expired(),
    }

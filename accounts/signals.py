"""Receivers of the sign-in signals: history rows and session bookkeeping.

Connected in AccountsConfig.ready().
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals

from . import login_history, sessions


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    sessions.record_sign_in(request)
    login_history.record_success(request, user)


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    login_history.record_password_failure(request, credentials)


def on_mfa_failed(sender, request, user, authenticator, **kwargs) -> None:
    login_history.record_second_factor_failure(request, user, authenticator)


def connect() -> None:
    auth_signals.user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.signed_in")
    auth_signals.user_login_failed.connect(
        on_user_login_failed, dispatch_uid="accounts.sign_in_failed"
    )
    mfa_signals.authentication_failed.connect(on_mfa_failed, dispatch_uid="accounts.mfa_failed")
    for signal in (account_signals.password_changed, account_signals.password_set):
        signal.connect(sessions.on_password_changed, dispatch_uid="accounts.password_changed")
    account_signals.password_reset.connect(
        sessions.on_password_reset, dispatch_uid="accounts.password_reset"
    )

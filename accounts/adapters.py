from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError

from .mail import queue_email


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails go through the outbox like every other email of the portal."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        queue_email(self.render_mail(template_prefix, email, ctx), template=template_prefix)

    def pre_authenticate(self, request, **credentials) -> None:
        """Past the failed-sign-in limit (per IP or per address) the answer is 429 Too
        Many Requests, with no form to try again on, whether the address has an
        account or not; the password is not even checked."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as exc:
            if exc.code == "too_many_login_attempts":
                raise ImmediateHttpResponse(ratelimit.respond_429(request)) from exc
            raise

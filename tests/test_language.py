"""config/language.py: the portal's one language is active while a request runs, and
what the pages say does not change."""

import pytest
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import trans_real

from config.language import DefaultLanguageMiddleware


def test_the_default_language_is_active_during_the_request_only():
    seen = []

    def view(request):
        seen.append((translation.get_language(), getattr(trans_real._active, "value", None)))
        return HttpResponse("ok")

    assert translation.get_language() == settings.LANGUAGE_CODE  # Django's fallback
    DefaultLanguageMiddleware(view)(RequestFactory().get("/"))
    [(language, active)] = seen
    assert language == settings.LANGUAGE_CODE and active is not None
    # Deactivated afterwards: the thread's next request starts as Django would start it.
    assert getattr(trans_real._active, "value", None) is None


def test_it_is_in_the_portals_middleware():
    assert "config.language.DefaultLanguageMiddleware" in settings.MIDDLEWARE


def test_it_steps_aside_for_locale_middleware_or_without_i18n(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.locale.LocaleMiddleware"]
    with pytest.raises(MiddlewareNotUsed):
        DefaultLanguageMiddleware(lambda request: None)
    settings.MIDDLEWARE = settings.MIDDLEWARE[:-1]
    settings.USE_I18N = False
    with pytest.raises(MiddlewareNotUsed):
        DefaultLanguageMiddleware(lambda request: None)

"""The portal's one language, activated for each request.

The portal speaks only LANGUAGE_CODE (no LocaleMiddleware, nothing negotiates), and
Django already falls back to it when no language is active. But every `{{ value }}` a
template renders asks for the current language, and with none active each question
takes the slow way through a missing context-local; activating the default language
once per request makes the answers cheap and changes none of them.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.utils import translation

LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"


class DefaultLanguageMiddleware:
    def __init__(self, get_response):
        # With i18n off there is nothing to look up; with LocaleMiddleware, it chooses.
        if not settings.USE_I18N or LOCALE_MIDDLEWARE in settings.MIDDLEWARE:
            raise MiddlewareNotUsed()
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(settings.LANGUAGE_CODE)
        try:
            return self.get_response(request)
        finally:
            translation.deactivate()

"""The `{% url %}` tag, its reversals remembered per process.

Every page reverses the same few dozen URLs (the top bar, the org's tabs, each row's
links), and a reversal costs more than the rest of a row's rendering. What `reverse()`
answers depends only on the URLconf, the script prefix, the language, the current
namespace and the arguments, so the answer for the same ones is kept (a bounded LRU,
emptied when the URLconf changes). Arguments other than strings and integers are
reversed every time.

Installed as a template builtin (settings.TEMPLATES), after Django's own: it replaces
Django's `url` tag and behaves exactly like it.
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.template import Library
from django.template.defaulttags import URLNode, url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = Library()

_CACHEABLE = (str, int)


@lru_cache(maxsize=4096)
def _reverse(urlconf, prefix, language, view_name, args, kwargs, current_app) -> str | None:
    """`reverse()`, or None where it finds no match. `urlconf`, `prefix` and `language`
    are part of the key only: `reverse()` reads them itself."""
    try:
        return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
    except NoReverseMatch:
        return None


def cached_reverse(view_name, args, kwargs, current_app) -> str:
    if isinstance(view_name, str) and all(
        type(value) in _CACHEABLE for value in (*args, *kwargs.values())
    ):
        found = _reverse(
            get_urlconf(),
            get_script_prefix(),
            get_language(),
            view_name,
            tuple(args),
            tuple(sorted(kwargs.items())),
            current_app,
        )
        if found is None:
            raise NoReverseMatch(f"Reverse for '{view_name}' not found.")
        return found
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


def _forget(*, setting, **kwargs):
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _reverse.cache_clear()


setting_changed.connect(_forget, dispatch_uid="config.template_urls.forget")


class CachedURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = cached_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                # Django's own message, with the arguments that did not match.
                reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag("url")
def cached_url(parser, token):
    """Django's `{% url %}`, parsed by Django, rendered through the per-process memory."""
    node = url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)

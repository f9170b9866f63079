from django.utils.functional import SimpleLazyObject

from .selectors import switcher_memberships


def org_switcher(request):
    """The top bar's org switcher; queried only when a template reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"switcher_memberships": []}
    return {"switcher_memberships": SimpleLazyObject(lambda: switcher_memberships(user))}

"""`POST /oauth/token`: allauth's token endpoint at Auth0's path, JSON bodies too.

Auth0's clients post `{"grant_type": "client_credentials", "client_id", "client_secret",
"audience"}` as JSON; allauth (oauthlib) reads form bodies. A JSON object is turned
into the same form fields, then allauth's own view answers. `audience` is accepted
and ignored: every token is for this API.
"""

import json

from allauth.idp.oidc.views import token as allauth_token
from django.conf import settings
from django.http import JsonResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from organizations.mixins import client_ip

from .. import ratelimits
from ..errors import TOO_MANY_REQUESTS, body

FORM_FIELDS = ("grant_type", "client_id", "client_secret", "scope")


@csrf_exempt
@require_POST
def token(request):
    rate = ratelimits.hit(
        f"token:{client_ip(request) or 'unknown'}", limit=settings.API_TOKEN_RATE_LIMIT
    )
    if rate.exceeded:
        response = JsonResponse(body(429, TOO_MANY_REQUESTS, "too_many_requests"), status=429)
    elif request.content_type == "application/json":
        response = _json_token(request)
    else:
        response = allauth_token(request)
    for name, value in rate.headers().items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _json_token(request):
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return JsonResponse(
            {"error": "invalid_request", "error_description": "The body must be a JSON object."},
            status=400,
        )
    form = QueryDict(mutable=True)
    for field in FORM_FIELDS:
        value = data.get(field)
        if isinstance(value, str):
            form[field] = value
    # allauth reads request.POST: give it the JSON's fields as a form would.
    request._post = form
    request._files = MultiValueDict()
    request.META["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    return allauth_token(request)

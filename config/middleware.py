"""Requests the portal refuses before any view runs."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string

NUL = "\x00"
API_PREFIX = "/api/v2/"


class RejectNulInUrlMiddleware:
    """400 for a NUL byte in the path or the query string.

    No text the portal stores or looks up may hold one (PostgreSQL refuses it), and no
    link it makes contains one. Forms refuse NUL bytes themselves, next to the field,
    so POST bodies are left to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or any(
            NUL in key or any(NUL in value for value in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith(API_PREFIX):
                # Management API (issue 12): its clients read Auth0's JSON error body.
                return JsonResponse(
                    {
                        "statusCode": 400,
                        "error": "Bad Request",
                        "message": "Query validation error: a NUL byte is not allowed.",
                        "errorCode": "invalid_query_string",
                    },
                    status=400,
                )
            return HttpResponseBadRequest(
                render_to_string("400.html", {"reason": "nul"}, request=request)
            )
        return self.get_response(request)

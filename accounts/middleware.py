"""Keeps each signed-in session's "last seen" roughly current (see accounts/sessions.py)."""

from . import sessions


class SessionActivityMiddleware:
    """After the response: move "last seen" forward, at most once per interval."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        sessions.touch(request)
        return response

"""Domain errors raised by the services; their messages are fit to show a user."""


class OrganizationError(Exception):
    """A rule of the organizations domain refused the change."""

    code = "organization_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotAllowed(OrganizationError):
    code = "not_allowed"

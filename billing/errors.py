"""Billing's domain errors: messages fit to show a user, codes for the API."""

from organizations.errors import OrganizationError


class BillingError(OrganizationError):
    """A billing rule refused the change."""

    code = "billing_error"


class BillingNotConfigured(BillingError):
    code = "billing_not_configured"

    def __init__(self):
        super().__init__("Billing is not set up on this portal: no payment provider is configured.")

"""Demo data only: a SCIM token with a fixed, published value (`make run` prints it).

Real tokens are random (`services.create_token`); nothing but the demo loader calls this.
"""

from django.db import transaction
from django.utils import timezone

from organizations.audit import record_event
from organizations.models import Organization
from organizations.permissions import Action
from organizations.services._common import lock_and_authorize

from .models import ScimToken
from .tokens import SHOWN_PREFIX_LENGTH, hash_token


@transaction.atomic
def ensure_token(*, org: Organization, actor, raw: str) -> ScimToken:
    """`org`'s live token with the value `raw`: kept if live, else made (revoking any other)."""
    org, _ = lock_and_authorize(org, actor, Action.MANAGE_PROVISIONING)
    wanted = hash_token(raw)
    live = ScimToken.objects.filter(organization=org, revoked_at__isnull=True).first()
    if live is not None and live.token_hash == wanted:
        return live
    if live is not None:
        live.revoked_at = timezone.now()
        live.save(update_fields=["revoked_at"])
    # A demo value revoked earlier is given back to the org as its live token.
    ScimToken.objects.filter(token_hash=wanted).delete()
    token = ScimToken.objects.create(
        organization=org, token_hash=wanted, prefix=raw[:SHOWN_PREFIX_LENGTH], created_by=actor
    )
    record_event(
        org=org,
        actor=actor,
        action="scim.token_create",
        target=token.label,
        detail={"demo": True},
    )
    return token

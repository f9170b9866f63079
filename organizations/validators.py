"""Field rules of an organization, each raising ValidationError with a code."""

import re
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

NAME_MAX_LENGTH = 50
NAME_PATTERN = re.compile(r"^[a-z0-9_-]+$")
COLOR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")
METADATA_MAX_PAIRS = 25
METADATA_MAX_LENGTH = 255
# A rejection or suspension reason its owners read.
REASON_MAX_LENGTH = 2000


def validate_org_name(value: str) -> None:
    """Lowercase letters, digits, `_` and `-`; 1 to 50 characters."""
    if not value:
        raise ValidationError("Enter a name.", code="name_required")
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationError(
            "A name has at most %(max)d characters (it has %(length)d).",
            code="name_too_long",
            params={"max": NAME_MAX_LENGTH, "length": len(value)},
        )
    if not NAME_PATTERN.match(value):
        raise ValidationError(
            "Use only lowercase letters, digits, underscores and hyphens.",
            code="name_invalid",
        )


def validate_color(value: str) -> None:
    """A colour as `#RRGGBB`."""
    if value and not COLOR_PATTERN.match(value):
        raise ValidationError(
            "Enter a colour as #RRGGBB, for example #1A73E8.", code="color_invalid"
        )


def validate_logo_url(value: str) -> None:
    """An absolute https URL."""
    if not value:
        return
    URLValidator(schemes=["https"], message="Enter a valid https URL.", code="logo_url_invalid")(
        value
    )
    if urlparse(value).scheme != "https":
        raise ValidationError("The logo URL must start with https://.", code="logo_url_not_https")


def validate_metadata(value) -> None:
    """String keys and values, at most 25 pairs, each key and value at most 255 chars."""
    if not isinstance(value, dict):
        raise ValidationError("Metadata must be key/value pairs.", code="metadata_invalid")
    if len(value) > METADATA_MAX_PAIRS:
        raise ValidationError(
            "At most %(max)d metadata pairs are allowed (there are %(count)d).",
            code="metadata_too_many",
            params={"max": METADATA_MAX_PAIRS, "count": len(value)},
        )
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise ValidationError(
                "Metadata keys and values must be text.", code="metadata_not_string"
            )
        if not key.strip():
            raise ValidationError("A metadata key cannot be empty.", code="metadata_key_empty")
        if len(key) > METADATA_MAX_LENGTH:
            raise ValidationError(
                "The metadata key %(key)s… is longer than %(max)d characters.",
                code="metadata_key_too_long",
                params={"key": key[:20], "max": METADATA_MAX_LENGTH},
            )
        if len(item) > METADATA_MAX_LENGTH:
            raise ValidationError(
                "The value of metadata key %(key)s is longer than %(max)d characters.",
                code="metadata_value_too_long",
                params={"key": key[:20], "max": METADATA_MAX_LENGTH},
            )

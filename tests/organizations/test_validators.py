import pytest
from django.core.exceptions import ValidationError

from organizations.validators import (
    validate_color,
    validate_logo_url,
    validate_metadata,
    validate_org_name,
)


def _code(validator, value):
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value.code


@pytest.mark.parametrize("name", ["a", "acme", "acme-labs", "acme_labs", "1password", "x" * 50])
def test_valid_org_names(name):
    validate_org_name(name)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "name_required"),
        ("x" * 51, "name_too_long"),
        ("Acme", "name_invalid"),
        ("acme labs", "name_invalid"),
        ("acme.labs", "name_invalid"),
        ("acmé", "name_invalid"),
        ("acme/labs", "name_invalid"),
    ],
)
def test_invalid_org_names(name, code):
    assert _code(validate_org_name, name) == code


@pytest.mark.parametrize("value", ["", "#000000", "#1a73e8", "#1A73E8"])
def test_valid_colors(value):
    validate_color(value)


@pytest.mark.parametrize("value", ["000000", "#FFF", "#GGGGGG", "#1A73E80", "red"])
def test_invalid_colors(value):
    assert _code(validate_color, value) == "color_invalid"


def test_logo_url_must_be_https():
    validate_logo_url("https://cdn.example.com/logo.png")
    validate_logo_url("")
    assert _code(validate_logo_url, "http://cdn.example.com/logo.png") == "logo_url_invalid"
    assert _code(validate_logo_url, "javascript:alert(1)") == "logo_url_invalid"
    assert _code(validate_logo_url, "not a url") == "logo_url_invalid"


def test_metadata_limits():
    validate_metadata({})
    validate_metadata({f"k{i}": "v" for i in range(25)})
    validate_metadata({"k" * 255: "v" * 255})
    assert _code(validate_metadata, {f"k{i}": "v" for i in range(26)}) == "metadata_too_many"
    assert _code(validate_metadata, {"k" * 256: "v"}) == "metadata_key_too_long"
    assert _code(validate_metadata, {"k": "v" * 256}) == "metadata_value_too_long"
    assert _code(validate_metadata, {"k": 1}) == "metadata_not_string"
    assert _code(validate_metadata, {" ": "v"}) == "metadata_key_empty"
    assert _code(validate_metadata, ["k", "v"]) == "metadata_invalid"

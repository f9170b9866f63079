"""The apps' dependencies point one way (STYLE.md, "Layout")."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    # organizations reaches the apps above it only through `organizations/hooks.py`
    # (enterprise sign-in's join requests link from the members page that way).
    "organizations": {"invitations", "sso"},
    # notifications serves every app; its sweep hooks are named in settings.
    "notifications": {"invitations", "organizations"},
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_does_not_import_what_depends_on_it(app):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & FORBIDDEN[app])
        for path in (ROOT / app).rglob("*.py")
        if imported_apps(path) & FORBIDDEN[app]
    }
    assert not offenders, f"{app} must not import {sorted(FORBIDDEN[app])}: {offenders}"


# What only the invitations app may know: its model's name through the app registry,
# its status values (Organization has a "pending" status of its own, so that one is
# caught where it sits next to invitation wording), and its reverse relation.
INVITATION_STATUS_LITERALS = {"accepted", "declined", "revoked", "expired"}
INVITATION_SOURCE_MARKERS = (
    'get_model("invitations"',
    "get_model('invitations'",
    "PENDING_INVITATION_STATUS",
    ".invitations.",
    "org.invitations",
)


def invitation_knowledge(path: Path) -> list[str]:
    """What `path` knows of the invitations app's models: markers and status literals."""
    source = path.read_text()
    found = [marker for marker in INVITATION_SOURCE_MARKERS if marker in source]
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Constant) and node.value in INVITATION_STATUS_LITERALS:
            found.append(f"{node.value!r} (line {node.lineno})")
    return found


def test_organizations_knows_no_invitation_fields_or_statuses():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in (ROOT / "organizations").rglob("*.py")
        if "migrations" not in path.parts and (found := invitation_knowledge(path))
    }
    assert not offenders, f"use organizations/hooks.py instead: {offenders}"


def test_the_check_catches_what_it_forbids(tmp_path):
    """The source check above is not vacuous: the old ways of reaching invitations fail it."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.apps import apps\n"
        'Invitation = apps.get_model("invitations", "Invitation")\n'
        'org.invitations.filter(status="pending").update(status="revoked")\n'
    )
    found = invitation_knowledge(sample)
    assert 'get_model("invitations"' in found
    assert "org.invitations" in found
    assert "'revoked' (line 3)" in found


# --- Operations: every app counts in config/metrics.py, so it imports none of them ------


def test_the_metrics_module_imports_no_app():
    apps = {"accounts", "notifications", "organizations", "invitations", "operations", "billing"}
    assert not imported_apps(ROOT / "config" / "metrics.py") & apps

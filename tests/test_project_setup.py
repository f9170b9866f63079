"""The two set-up commands keep their promises on a newcomer's machine."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_from_3_11_up_may_install_the_project():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    allowed = SpecifierSet(project["requires-python"])
    assert "3.10" not in allowed
    for version in ("3.11", "3.12", "3.13", "3.14"):
        assert version in allowed, f"requires-python {allowed} refuses Python {version}"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_points_emailed_links_at_the_port_it_serves_on():
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    dry_run = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", "PORT=8010"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = [line for line in dry_run.splitlines() if "load_demo" in line or "runserver" in line]
    assert any("runserver 127.0.0.1:8010" in line for line in commands)
    for command in commands:
        assert 'SITE_URL="http://127.0.0.1:8010"' in command, command


def test_production_settings_keep_database_connections_with_health_checks():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "settings-test-only-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        "DJANGO_ALLOWED_HOSTS": "orgportal.example.com",
    }
    env.pop("DATABASE_CONN_MAX_AGE", None)
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; d = settings.DATABASES['default']; "
            "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert int(printed[0]) >= 60 and printed[1] == "True"

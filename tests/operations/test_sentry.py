"""SENTRY_DSN turns on error reporting (Django and Celery, no personal data); unset,
nothing changes. Each case runs in a fresh interpreter: sentry-sdk patches Django and
Celery process-wide. The DSN points at a closed local port: nothing leaves the machine.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from config.sentry import _scrub

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DSN = "http://publickey@127.0.0.1:9/1"

PROBE = """
import json, django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
options = client.options if client.is_active() else {}
print(json.dumps({
    "active": client.is_active(),
    "dsn": options.get("dsn"),
    "send_default_pii": options.get("send_default_pii"),
    "traces_sample_rate": options.get("traces_sample_rate"),
    "environment": options.get("environment"),
    "integrations": sorted(getattr(client, "integrations", {}) or {}),
    "before_send": getattr(options.get("before_send"), "__name__", None),
}))
"""


def _sentry_state(**env) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_dsn_sentry_stays_off():
    assert _sentry_state()["active"] is False


def test_a_dsn_turns_on_django_and_celery_without_personal_data_or_traces():
    # An env file may leave the rate empty: no traces, as when unset.
    state = _sentry_state(
        SENTRY_DSN=DSN, SENTRY_ENVIRONMENT="staging", SENTRY_TRACES_SAMPLE_RATE=""
    )
    assert state["active"] is True
    assert state["dsn"] == DSN
    assert state["send_default_pii"] is False
    assert state["traces_sample_rate"] is None
    assert state["environment"] == "staging"
    assert {"django", "celery"} <= set(state["integrations"])
    assert state["before_send"] == "_scrub"


def test_traces_are_sampled_only_when_asked():
    state = _sentry_state(SENTRY_DSN=DSN, SENTRY_TRACES_SAMPLE_RATE="0.25")
    assert state["traces_sample_rate"] == 0.25


def test_events_lose_the_secrets_of_their_url(db):
    event = {
        "request": {
            "url": "https://portal.example.com/invitations/accept/s3cr3t-token_value/",
            "query_string": "next=/o/acme/",
        }
    }
    scrubbed = _scrub(event, {})
    assert scrubbed["request"]["url"] == (
        "https://portal.example.com/invitations/accept/[redacted]/"
    )
    assert "query_string" not in scrubbed["request"]

"""One log line per request with its id; the id comes back in the response and
follows the Celery tasks the request queues."""

import json
import logging
import re

import pytest
from celery import signals

from config.celery_app import app as celery_app
from operations.celery_signals import HEADER
from operations.context import request_id_var

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_each_request_gets_a_new_id_in_the_response(client, db):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second)
    assert first != second


def test_a_trusted_proxys_request_id_is_kept(client, db, settings):
    settings.REQUEST_ID_FROM_PROXY = True
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-4f1c2a:7")
    assert response["X-Request-ID"] == "lb-4f1c2a:7"


@pytest.mark.parametrize(
    "sent",
    ["has space", "x" * 129, "<script>", "line\nbreak", ""],
    ids=["space", "too-long", "markup", "newline", "empty"],
)
def test_a_malformed_request_id_is_replaced(client, db, settings, sent):
    settings.REQUEST_ID_FROM_PROXY = True
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=sent)
    assert HEX_ID.fullmatch(response["X-Request-ID"])


def test_the_clients_request_id_is_ignored_without_a_trusted_proxy(client, db, settings):
    settings.REQUEST_ID_FROM_PROXY = False
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="spoofed-by-client")
    assert HEX_ID.fullmatch(response["X-Request-ID"])


def test_one_line_per_request_with_user_org_status_and_duration(
    client_for, org, owner, captured_logs
):
    client = client_for(owner)
    response = client.get(f"/o/{org.name}/")
    request_id = response["X-Request-ID"]

    (line,) = [e for e in captured_logs.request_lines() if e["request_id"] == request_id]
    assert line["method"] == "GET"
    assert line["path"] == f"/o/{org.name}/"
    assert line["status"] == 200
    assert line["duration_ms"] > 0
    assert line["user_id"] == owner.pk
    assert line["org"] == org.name
    assert line["view"] == "organizations:dashboard"
    assert line["level"] == "INFO"
    # The console's plain line says the same, with the request id.
    (plain,) = [
        text
        for text in captured_logs.text.splitlines()
        if f"[{request_id}]" in text and "orgportal.request" in text and not text.startswith("{")
    ]
    assert f"GET /o/{org.name}/ 200 " in plain
    assert f"user={owner.pk} org={org.name} view=organizations:dashboard" in plain


def test_anonymous_and_unmatched_requests_are_logged_too(client, db, captured_logs):
    response = client.get("/no/such/page/")
    (line,) = [
        e for e in captured_logs.request_lines() if e["request_id"] == response["X-Request-ID"]
    ]
    assert (line["status"], line["user_id"], line["org"], line["view"]) == (
        404,
        None,
        None,
        "unmatched",
    )
    # Django's own "Not Found" warning carries the same request id.
    warnings = [e for e in captured_logs.json_entries if e["logger"] == "django.request"]
    assert warnings and warnings[0]["request_id"] == response["X-Request-ID"]


def test_json_log_lines_parse(client_for, org, owner, captured_logs, settings):
    """With LOG_FORMAT=json the console handler writes one JSON object per line."""
    from logging.config import dictConfig

    settings.LOG_FORMAT = "json"
    config = json.loads(json.dumps(settings.LOGGING))
    config["handlers"]["console"]["formatter"] = "json"
    dictConfig(config)
    try:
        from tests.logcapture import capture_logs

        with capture_logs() as logs:
            client_for(owner).get(f"/o/{org.name}/")
            logging.getLogger("orgportal.test").warning('a line with "quotes"\nand a break')
        console = logs._plain.getvalue().splitlines()
        assert len(console) >= 2
        entries = [json.loads(line) for line in console]
    finally:
        dictConfig(settings.LOGGING | {"handlers": config["handlers"]})
        config["handlers"]["console"]["formatter"] = "plain"
        dictConfig(config)
    request = [e for e in entries if e["logger"] == "orgportal.request"]
    assert request and request[0]["status"] == 200 and request[0]["org"] == org.name
    other = [e for e in entries if e["logger"] == "orgportal.test"]
    assert other[0]["message"] == 'a line with "quotes"\nand a break'
    assert set(other[0]) >= {"time", "level", "logger", "message", "request_id"}


def test_control_characters_in_a_path_cannot_forge_a_log_line(client, db, captured_logs):
    client.get("/no/such%0a2026-01-01 INFO orgportal.request forged/")
    plain = [t for t in captured_logs.text.splitlines() if "orgportal.request" in t]
    assert not any(t.startswith("2026-01-01 INFO orgportal.request forged") for t in plain)
    assert any("\\x0a2026-01-01" in t for t in plain)


def test_probes_are_logged_at_debug_level_only(client, db, captured_logs):
    client.get("/healthz")
    (line,) = captured_logs.request_lines()
    assert (line["view"], line["level"]) == ("healthz", "DEBUG")


def test_the_user_id_costs_no_query(client_for, owner, db, django_assert_num_queries):
    """A page that never loads the user is logged without one, and no query is added."""
    client = client_for(owner)
    with django_assert_num_queries(0):
        client.get("/healthz")


# --- Celery ---------------------------------------------------------------------------


@celery_app.task(name="tests.operations.log_a_line")
def log_a_line():
    logging.getLogger("orgportal.test.task").info("task ran")
    return request_id_var.get()


def test_a_queued_task_carries_the_request_id_in_its_headers():
    headers = {}
    token = request_id_var.set("req-in-web")
    try:
        signals.before_task_publish.send(sender="tests.operations.log_a_line", headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers[HEADER] == "req-in-web"


def test_a_task_logs_the_request_id_that_queued_it(captured_logs):
    """As a worker runs a message: the header becomes the request id of the task's lines."""
    result = log_a_line.apply(headers={HEADER: "req-from-header"})
    assert result.get() == "req-from-header"
    (line,) = [e for e in captured_logs.json_entries if e["logger"] == "orgportal.test.task"]
    assert line["request_id"] == "req-from-header"
    assert request_id_var.get() is None  # reset when the task ends


def test_a_task_run_in_the_request_keeps_the_requests_id(captured_logs):
    token = request_id_var.set("req-eager")
    try:
        assert log_a_line.apply().get() == "req-eager"
    finally:
        request_id_var.reset(token)


def test_a_malformed_header_is_ignored(captured_logs):
    assert log_a_line.apply(headers={HEADER: "bad id\nforged"}).get() is None

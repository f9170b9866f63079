"""Capture everything the portal logs, as the production handler writes it.

`captured_logs` (a fixture in `tests/conftest.py`) turns every logger up to DEBUG and
records the lines of the configured console handler (plain text, or JSON with
LOG_FORMAT=json) plus the same records as JSON lines, both through the handler's
filters (request id, redacted paths). Flows that handle secrets (sign-in, invitations,
billing) scan `captured_logs.text` for them with `assert_free_of`.
"""

import io
import json
import logging

from operations.logs import JsonFormatter


class CapturedLogs:
    def __init__(self, plain: io.StringIO, json_lines: io.StringIO):
        self._plain = plain
        self._json = json_lines

    @property
    def text(self) -> str:
        """Every captured line: the console's format first, then the JSON lines."""
        return self._plain.getvalue() + self._json.getvalue()

    @property
    def json_entries(self) -> list[dict]:
        """Every record as the JSON formatter wrote it (each line must parse)."""
        return [json.loads(line) for line in self._json.getvalue().splitlines() if line]

    def request_lines(self) -> list[dict]:
        return [entry for entry in self.json_entries if entry["logger"] == "orgportal.request"]

    def assert_free_of(self, *secrets: str) -> None:
        text = self.text
        for secret in secrets:
            assert secret, "an empty secret proves nothing"
            leaked = [line for line in text.splitlines() if secret in line]
            assert not leaked, f"a secret ({secret[:4]}…) is in the logs: {leaked[:3]}"


def console_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console"]


class capture_logs:  # used like a function, as a context manager
    """Context manager behind the `captured_logs` fixture."""

    def __enter__(self) -> CapturedLogs:
        root = logging.getLogger()
        self._level = root.level
        root.setLevel(logging.DEBUG)
        self._disabled = logging.root.manager.disable
        logging.disable(logging.NOTSET)
        plain, json_lines = io.StringIO(), io.StringIO()
        self._swapped = []
        filters = []
        for handler in console_handlers():
            self._swapped.append((handler, handler.setStream(plain), handler.level))
            handler.setLevel(logging.DEBUG)
            filters = handler.filters
        if not self._swapped:  # LOGGING not configured: capture with our own handler
            self._own = logging.StreamHandler(plain)
            root.addHandler(self._own)
        else:
            self._own = None
        self._json_handler = logging.StreamHandler(json_lines)
        self._json_handler.setFormatter(JsonFormatter())
        for item in filters:
            self._json_handler.addFilter(item)
        root.addHandler(self._json_handler)
        return CapturedLogs(plain, json_lines)

    def __exit__(self, *exc):
        root = logging.getLogger()
        root.removeHandler(self._json_handler)
        if self._own is not None:
            root.removeHandler(self._own)
        for handler, stream, level in self._swapped:
            handler.setStream(stream)
            handler.setLevel(level)
        root.setLevel(self._level)
        logging.disable(self._disabled)
        return False

"""Fixtures for tests that drive Debian's chromium through Playwright's sync API."""

import email
import os
import re
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    """A headless chromium for the module; the browser cannot be downloaded here."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install -y chromium"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an asyncio loop running in the test thread while it
    # is started, and Django refuses ORM calls (test database setup and flush, any
    # assertion on models) from a thread with a running loop. Nothing here is really
    # asynchronous, so the check is off for as long as Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A fresh browser context and page; one context is one person's browser."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(5_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def mail_dir(settings, tmp_path):
    """Emails sent by the live server land as files in this directory."""
    directory = tmp_path / "mail"
    settings.EMAIL_BACKEND = "accounts.mail_backends.FileAndConsoleBackend"
    settings.EMAIL_FILE_PATH = str(directory)
    return directory


def _message_texts(path: Path) -> list[str]:
    """The decoded text/plain bodies of every message Django's file backend wrote."""
    texts = []
    for chunk in re.split(r"^-{79}$", path.read_text(), flags=re.MULTILINE):
        if not chunk.strip():
            continue
        message = email.message_from_string(chunk.strip() + "\n")
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                texts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return texts


@pytest.fixture
def read_link(mail_dir):
    """`read_link(pattern)`: the first URL matching `pattern` in the newest email file."""

    def read(pattern: str, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            files = sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime)
            if files:
                for text in reversed(_message_texts(files[-1])):
                    match = re.search(pattern, text)
                    if match:
                        return match.group(0)
            if time.monotonic() > deadline:
                found = [p.name for p in files]
                raise AssertionError(f"no link matching {pattern!r} in {mail_dir}: {found}")
            time.sleep(0.1)

    return read

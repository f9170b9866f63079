import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DnsZone:
    """The records the local DNS server answers; `publish` adds a TXT value."""

    def __init__(self, path: Path, port: int):
        self.path = path
        self.port = port
        self.records: dict[str, list[str]] = {}
        self._write()

    def _write(self) -> None:
        self.path.write_text(json.dumps(self.records))

    def publish(self, name: str, value: str) -> None:
        self.records.setdefault(name.lower().rstrip(".") + ".", []).append(value)
        self._write()


@pytest.fixture(scope="session")
def dns_server(tmp_path_factory):
    """A real DNS server process (dnslib) on 127.0.0.1, a random UDP port."""
    pytest.importorskip("dnslib", reason="the DNS tests need dnslib (pip install dnslib)")
    path = tmp_path_factory.mktemp("dns") / "records.json"
    path.write_text("{}")
    port = free_port(socket.SOCK_DGRAM)
    process = subprocess.Popen(
        [sys.executable, str(HERE / "dns_server.py"), str(port), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if "ready" not in line:
        process.kill()
        pytest.skip(f"the local DNS server did not start: {line!r}")
    yield path, port
    process.terminate()
    process.wait(timeout=5)


@pytest.fixture
def dns_zone(dns_server, settings):
    """The portal resolves through the local DNS server; the zone starts empty."""
    path, port = dns_server
    settings.SSO_DNS_NAMESERVERS = [f"127.0.0.1:{port}"]
    settings.SSO_DNS_TIMEOUT = 2.0
    zone = DnsZone(path, port)
    return zone


@pytest.fixture
def reauthenticated(client):
    """`reauthenticated(user)`: the test client, signed in as `user` who just gave the
    password again (changes to connections and SSO only ask for it)."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    def sign_in(user):
        client.force_login(user)
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "reauthenticated": True}
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()
        return client

    return sign_in


# The real OpenID Provider, and the browser fixtures for the end-to-end flows.
from tests.browser.conftest import browser, page  # noqa: E402, F401

from .idp import demo_idp, saml_idp  # noqa: E402, F401

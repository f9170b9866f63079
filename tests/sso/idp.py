"""A real OpenID Provider for the tests: a second Orgportal process with allauth.idp.oidc.

`demo_idp` (session scope) migrates a fresh SQLite file in a temporary directory,
creates the client and the users with `demo_idp_setup`, and serves it with Django's
runserver on a random port of 127.0.0.1. Its client's redirect URI is the test
portal's callback for the connection key `TEST_CONNECTION_KEY`.
"""

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from sso import crypto
from sso.models import OidcConnection, SamlConnection, VerifiedDomain
from tests.factories import PASSWORD, OrganizationFactory, UserFactory

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_CONNECTION_KEY = "wayne-test"
CLIENT_ID = "orgportal-test"
CLIENT_SECRET = "test-client-secret"
IDP_USERS = [
    "bruce@wayne.test:Bruce Wayne",
    "lucius@wayne.test:Lucius Fox",
    "newbie@wayne.test:New Hire",
    "alfred@wayne.test:Alfred Pennyworth",
    # An address outside the org's verified domains: the org's provider cannot vouch for it.
    "mallory@elsewhere.test:Mallory Outside",
]


@dataclass
class DemoIdp:
    url: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET


def _manage(env, *args, timeout=180):
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings", "sso.demo_idp.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def start_idp(tmp_dir: Path, redirect_uris: list[str]):
    env = {**os.environ, "SSO_DEMO_IDP_DIR": str(tmp_dir), "DJANGO_DEBUG": "true"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _manage(env, "migrate", "--noinput", "-v0")
    setup = ["demo_idp_setup", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    for uri in redirect_uris:
        setup += ["--redirect-uri", uri]
    for user in IDP_USERS:
        setup += ["--user", user]
    _manage(env, *setup, "--password", PASSWORD)
    port = free_port()
    log = open(tmp_dir / "server.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--settings",
            "sso.demo_idp.settings",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    else:
        process.kill()
        pytest.skip(f"the demo identity provider did not start: {(tmp_dir / 'server.log')}")
    if process.poll() is not None:
        pytest.skip(f"the demo identity provider exited: {(tmp_dir / 'server.log').read_text()}")
    return process, url


@pytest.fixture(scope="session")
def demo_idp(tmp_path_factory, live_server):
    callback = f"/accounts/oidc/sso-{TEST_CONNECTION_KEY}/login/callback/"
    redirect_uris = [f"{live_server.url}{callback}", f"http://testserver{callback}"]
    try:
        process, url = start_idp(tmp_path_factory.mktemp("demo-idp"), redirect_uris)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"the demo identity provider could not be set up: {exc.stderr[-2000:]}")
    yield DemoIdp(url=url)
    process.terminate()
    process.wait(timeout=10)


def wayne_org(*, idp: DemoIdp, assign_membership: bool = True, enabled: bool = True, **org_fields):
    """Org `wayne` with the verified domain wayne.test and a connection to `idp`."""
    owner = UserFactory(email="bruce@wayne.test")
    org = OrganizationFactory(
        created_by=owner, name="wayne", display_name="Wayne Enterprises", **org_fields
    )
    VerifiedDomain.objects.create(organization=org, domain="wayne.test", verified_at=timezone.now())
    OidcConnection.objects.create(
        organization=org,
        key=TEST_CONNECTION_KEY,
        name="Wayne SSO",
        issuer_url=idp.url,
        client_id=idp.client_id,
        secret_encrypted=crypto.encrypt(idp.client_secret),
        enabled=enabled,
        assign_membership_on_login=assign_membership,
    )
    return org, owner


# --- SAML: pysaml2's IdP in a process (tests/sso/saml_idp.py) ---------------------------

TEST_SAML_KEY = "wayne-saml"


@dataclass
class SamlIdp:
    url: str

    @property
    def entity_id(self) -> str:
        return f"{self.url}/metadata"


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory, live_server):
    pytest.importorskip("saml2", reason="the SAML tests need pysaml2 (pip install pysaml2)")
    if not Path("/usr/bin/xmlsec1").exists():
        pytest.skip("the SAML tests need xmlsec1: apt-get install xmlsec1")
    directory = tmp_path_factory.mktemp("saml-idp")
    slug = f"saml-{TEST_SAML_KEY}"
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("saml_idp.py")),
            str(port),
            str(directory),
            f"{live_server.url}/accounts/saml/{slug}/metadata/",
            f"{live_server.url}/accounts/saml/{slug}/acs/",
            PASSWORD,
            *IDP_USERS,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    if "ready" not in (process.stdout.readline() or ""):
        process.kill()
        pytest.skip("the SAML identity provider did not start")
    yield SamlIdp(url=f"http://127.0.0.1:{port}")
    process.terminate()
    process.wait(timeout=10)


def wayne_saml_org(*, idp: SamlIdp, assign_membership: bool = True, enabled: bool = True):
    """Org `wayne` with the verified domain wayne.test and a SAML connection to `idp`."""
    owner = UserFactory(email="bruce@wayne.test")
    org = OrganizationFactory(created_by=owner, name="wayne", display_name="Wayne Enterprises")
    VerifiedDomain.objects.create(organization=org, domain="wayne.test", verified_at=timezone.now())
    SamlConnection.objects.create(
        organization=org,
        key=TEST_SAML_KEY,
        name="Wayne SAML",
        idp_entity_id=idp.entity_id,
        idp_metadata_url=f"{idp.url}/metadata",
        enabled=enabled,
        assign_membership_on_login=assign_membership,
    )
    return org, owner

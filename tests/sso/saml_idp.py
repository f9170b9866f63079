"""A SAML 2.0 identity provider for the tests, on pysaml2's IdP (`saml2.server.Server`).

Run as a process: `python saml_idp.py PORT DIR SP_ENTITY_ID ACS_URL PASSWORD USER...`
(each USER is `email:First Last`). It publishes its metadata at /metadata, takes
AuthnRequests by HTTP-Redirect at /sso/redirect, asks for an email and password,
and answers the service provider by HTTP-POST with a signed Response and Assertion.
"""

import datetime
import html
import secrets
import sys
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

AUTHN_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def key_and_cert(directory: Path) -> tuple[str, str]:
    key_path, cert_path = directory / "idp.key", directory / "idp.crt"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-idp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def sp_metadata(entity_id: str, acs_url: str) -> str:
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"
      AuthnRequestsSigned="false" WantAssertionsSigned="true">
    <md:NameIDFormat>{NAMEID_FORMAT_EMAILADDRESS}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location="{acs_url}" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"""


LOGIN_PAGE = """<!doctype html><html><head><title>Test IdP sign-in</title></head><body>
<h1>Test SAML IdP</h1>{error}
<form method="post" action="/sso/login">
<input type="hidden" name="key" value="{key}">
<label>Email <input name="email" type="email"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form></body></html>"""


def main() -> None:
    port, directory, sp_entity_id, acs_url, password = sys.argv[1:6]
    users = {}
    for entry in sys.argv[6:]:
        email, _, name = entry.partition(":")
        first, _, last = name.partition(" ")
        users[email] = (first, last)
    base = f"http://127.0.0.1:{port}"
    key_file, cert_file = key_and_cert(Path(directory))
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/metadata",
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 15},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "want_authn_requests_signed": False,
                }
            },
            "key_file": key_file,
            "cert_file": cert_file,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {"inline": [sp_metadata(sp_entity_id, acs_url)]},
        }
    )
    server = Server(config=config)
    metadata = create_metadata_string(None, config=config, valid=24).decode()
    pending: dict[str, tuple] = {}

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/metadata":
            start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
            return [metadata.encode()]
        if path == "/sso/redirect":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            request = server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
            key = secrets.token_urlsafe(16)
            pending[key] = (request, query.get("RelayState", [""])[0])
            start_response("200 OK", [("Content-Type", "text/html")])
            return [LOGIN_PAGE.format(error="", key=key).encode()]
        if path == "/sso/login" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            request, relay_state = pending.get(form.get("key", ""), (None, ""))
            email = form.get("email", "")
            if request is None or email not in users or form.get("password") != password:
                start_response("200 OK", [("Content-Type", "text/html")])
                page = LOGIN_PAGE.format(
                    error="<p>Wrong email or password.</p>", key=html.escape(form.get("key", ""))
                )
                return [page.encode()]
            first, last = users[email]
            args = server.response_args(request.message, [BINDING_HTTP_POST])
            response = server.create_authn_response(
                {"mail": [email], "givenName": [first], "sn": [last]},
                userid=email,
                name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
                authn={"class_ref": AUTHN_PASSWORD, "authn_auth": base},
                sign_response=True,
                sign_assertion=True,
                sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                digest_alg="http://www.w3.org/2001/04/xmlenc#sha256",
                **args,
            )
            http_args = server.apply_binding(
                args["binding"], str(response), args["destination"], relay_state, response=True
            )
            start_response("200 OK", [("Content-Type", "text/html")])
            return [
                http_args["data"].encode()
                if isinstance(http_args["data"], str)
                else http_args["data"]
            ]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    httpd = make_server("127.0.0.1", int(port), app, handler_class=QuietHandler)
    print("ready", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()

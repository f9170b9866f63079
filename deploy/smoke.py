"""Prove a production server works: probes, sign-in through the proxy headers, request ids.

Against a running server (nginx in front, or gunicorn directly):

    python deploy/smoke.py --url http://127.0.0.1:8000 --host orgportal.example.com \\
        --email owner@acme.test --password orgportal-demo

Or start gunicorn itself with production settings (debug off, a random secret key,
behind a proxy) on the DATABASE_URL and REDIS_URL of the environment, check it and
stop it:

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python deploy/smoke.py --serve

`--serve` collects the static files into a temporary directory and applies the
migrations; `--demo-data` also loads the demo data, whose users it signs in as, and
the demo's API clients, whose acme client it calls the Management API with
(`--api-client-id` and `--api-client-secret` name another client).
Only the standard library is used, so it runs on a server's system Python too.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_EMAIL = "owner@acme.test"
DEMO_PASSWORD = "orgportal-demo"


class SmokeFailure(AssertionError):
    pass


def check(condition, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


class Browser:
    """An HTTP client that sends what the proxy would, and keeps cookies (even Secure
    ones: the proxy's HTTPS ends before gunicorn's plain HTTP)."""

    def __init__(self, url: str, host: str, proxy_headers: bool = True):
        parts = urllib.parse.urlsplit(url)
        self.https = parts.scheme == "https"
        self.address = (parts.hostname, parts.port or (443 if self.https else 80))
        self.host = host
        self.proxy_headers = proxy_headers
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body=None, headers=None, host=None):
        if self.https:
            # The certificate is the operator's concern; this checks the portal.
            context = ssl._create_unverified_context()
            connection = http.client.HTTPSConnection(*self.address, timeout=10, context=context)
        else:
            connection = http.client.HTTPConnection(*self.address, timeout=10)
        sent = {"Host": host or self.host, "User-Agent": "orgportal-smoke"}
        if self.proxy_headers:
            sent["X-Forwarded-Proto"] = "https"
            sent["X-Forwarded-For"] = "203.0.113.10"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def follow(self, response, content, limit: int = 5):
        """Follow redirects on this site only; returns the last (response, content)."""
        for _ in range(limit):
            if response.status not in (301, 302, 303):
                return response, content
            location = urllib.parse.urlsplit(response.headers["Location"])
            check(location.netloc in ("", self.host), f"redirect off site: {location.geturl()}")
            path = location.path + (f"?{location.query}" if location.query else "")
            response, content = self.get(path)
        return response, content


def wait_ready(browser: Browser, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            # A balancer probes by address: any Host header must do.
            response, content = browser.get("/readyz", host="10.255.0.1")
            if response.status == 200:
                return json.loads(content)
            last = f"{response.status} {content[:300]}"
        except OSError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    raise SmokeFailure(f"/readyz not ready within {timeout:.0f}s: {last}")


def check_api(browser: Browser, client_id: str, client_secret: str) -> None:
    """The Management API: a client-credentials token, then a list with its rate-limit
    headers; no token is a 401 in Auth0's error shape."""
    response, content = browser.request(
        "POST",
        "/oauth/token",
        body={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    check(response.status == 200, f"/oauth/token answered {response.status}: {content[:300]}")
    token = json.loads(content)["access_token"]
    print("ok   /oauth/token issued a token for the client credentials")
    response, content = browser.get(
        "/api/v2/organizations", headers={"Authorization": f"Bearer {token}"}
    )
    check(response.status == 200, f"/api/v2/organizations answered {response.status}")
    check(isinstance(json.loads(content), list), "the organizations list is not a JSON list")
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        check(header in response.headers, f"no {header} header on the API's answer")
    response, content = browser.get("/api/v2/organizations")
    check(response.status == 401, f"the API without a token answered {response.status}")
    check(json.loads(content).get("statusCode") == 401, "the 401 is not in Auth0's shape")
    print("ok   /api/v2/organizations lists with a bearer token and refuses without one")


def run_checks(
    url: str,
    host: str,
    email: str,
    password: str,
    metrics_token: str,
    wait: float,
    api_client: tuple[str, str] | None = None,
):
    browser = Browser(url, host)
    ready = wait_ready(browser, wait)
    print(f"ok   /readyz 200: {', '.join(sorted(ready['checks']))}")

    response, content = browser.get("/healthz", host="10.255.0.1")
    check(response.status == 200 and json.loads(content)["status"] == "ok", "/healthz")
    print("ok   /healthz 200 for any Host")

    if not browser.https:
        plain = Browser(url, host, proxy_headers=False)
        response, _ = plain.get("/accounts/login/")
        check(response.status == 301, f"plain HTTP is not redirected to HTTPS: {response.status}")
        check(response.headers["Location"].startswith("https://"), "redirect is not to https")
        print("ok   plain HTTP without the proxy's header is redirected to HTTPS")

    request_id = f"smoke-{secrets.token_hex(8)}"
    response, content = browser.get("/accounts/login/", headers={"X-Request-ID": request_id})
    check(response.status == 200, f"login page: {response.status}")
    check(
        response.headers.get("X-Request-ID") == request_id,
        f"X-Request-ID not returned: {response.headers.get('X-Request-ID')!r}",
    )
    print(f"ok   X-Request-ID round trip ({request_id})")
    response, _ = browser.get("/accounts/login/", headers={"X-Request-ID": "bad id!"})
    check(
        re.fullmatch(r"[0-9a-f]{32}", response.headers.get("X-Request-ID", "")),
        "a malformed X-Request-ID was not replaced",
    )
    check("Strict-Transport-Security" in response.headers, "no HSTS header over HTTPS")

    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)
    check(match, "no CSRF token in the login form")
    origin = f"https://{host}"
    response, content = browser.request(
        "POST",
        "/accounts/login/",
        body={"login": email, "password": password, "csrfmiddlewaretoken": match.group(1)},
        headers={"Origin": origin, "Referer": f"{origin}/accounts/login/"},
    )
    check(response.status == 302, f"sign-in answered {response.status}: {content[:500]}")
    check("sessionid" in browser.cookies, "no session cookie after sign-in")
    response, content = browser.follow(response, content)
    check(response.status == 200, f"signed-in page answered {response.status}")
    check(email in content, f"the signed-in page does not name {email}")
    print(f"ok   signed in as {email} over HTTP with X-Forwarded-Proto: https")

    if metrics_token:
        response, _ = browser.get("/metrics", host="10.255.0.1")
        check(response.status == 401, f"/metrics without the token: {response.status}")
        response, content = browser.get(
            "/metrics", host="10.255.0.1", headers={"Authorization": f"Bearer {metrics_token}"}
        )
        check(response.status == 200, f"/metrics with the token: {response.status}")
        check(
            'orgportal_http_request_duration_seconds_count{method="POST",status="302",'
            'view="account_login"}' in content,
            "the sign-in is not counted in /metrics",
        )
        print("ok   /metrics refuses without the token and counts the sign-in")

    if api_client:
        check_api(Browser(url, host), *api_client)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_and_check(args) -> None:
    python = sys.executable
    port = args.port or free_port()
    host = args.host
    work = Path(tempfile.mkdtemp(prefix="orgportal-smoke-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": host,
        "DJANGO_BEHIND_PROXY": "true",
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "SITE_URL": f"https://{host}",
        "METRICS_TOKEN": secrets.token_urlsafe(24),
        "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "PYTHONUNBUFFERED": "1",
    }
    check(env.get("DATABASE_URL"), "--serve needs DATABASE_URL (PostgreSQL)")

    def manage(*command):
        subprocess.run([python, "manage.py", *command], cwd=PROJECT_ROOT, env=env, check=True)

    manage("collectstatic", "--noinput", "--verbosity", "0")
    manage("migrate", "--noinput", "--verbosity", "1")
    api_client = api_credentials(args)
    if args.demo_data:
        manage("load_demo_data")
        if api_client is None:
            # The demo's acme API client; its secret is printed with it.
            printed = subprocess.run(
                [python, "manage.py", "load_demo_api_clients"],
                cwd=PROJECT_ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            match = re.search(r"acme client.*client_id (\S+)\s+client_secret (\S+)", printed)
            check(match, f"no demo API client in: {printed}")
            api_client = (match.group(1), match.group(2))
    log_path = work / "gunicorn.log"
    print(f"Starting gunicorn on 127.0.0.1:{port} (log: {log_path})")
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        run_checks(
            f"http://127.0.0.1:{port}",
            host,
            args.email,
            args.password,
            env["METRICS_TOKEN"],
            args.wait,
            api_client,
        )
        text = log_path.read_text()
        check("orgportal.request" in text, "no request line in gunicorn's log")
        check(args.password not in text, "the password is in the server's log")
        check(not api_client or api_client[1] not in text, "the API secret is in the log")
        print("ok   request lines logged, no password or client secret in them")
    except BaseException:
        print(f"---- gunicorn log ----\n{log_path.read_text()[-6000:]}", file=sys.stderr)
        raise
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        print(f"gunicorn stopped (exit {server.returncode})")
        shutil.rmtree(work, ignore_errors=True)


def api_credentials(args) -> tuple[str, str] | None:
    if args.api_client_id and args.api_client_secret:
        return args.api_client_id, args.api_client_secret
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the server is")
    parser.add_argument("--host", default="orgportal.example.com", help="the public host name")
    parser.add_argument("--email", default=DEMO_EMAIL)
    parser.add_argument("--password", default=os.environ.get("SMOKE_PASSWORD", DEMO_PASSWORD))
    parser.add_argument("--metrics-token", default=os.environ.get("METRICS_TOKEN", ""))
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for /readyz")
    parser.add_argument("--serve", action="store_true", help="start and stop gunicorn itself")
    parser.add_argument("--port", type=int, default=0, help="with --serve (default: a free one)")
    parser.add_argument("--demo-data", action="store_true", help="with --serve: load demo data")
    parser.add_argument(
        "--api-client-id",
        default=os.environ.get("SMOKE_API_CLIENT_ID", ""),
        help="an API client to check the Management API with (with --demo-data: acme's)",
    )
    parser.add_argument(
        "--api-client-secret", default=os.environ.get("SMOKE_API_CLIENT_SECRET", "")
    )
    args = parser.parse_args()
    try:
        if args.serve:
            serve_and_check(args)
        else:
            run_checks(
                args.url,
                args.host,
                args.email,
                args.password,
                args.metrics_token,
                args.wait,
                api_credentials(args),
            )
    except SmokeFailure as failure:
        print(f"FAIL {failure}", file=sys.stderr)
        return 1
    print("Smoke test passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

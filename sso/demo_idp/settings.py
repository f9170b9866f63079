"""The demo identity provider: a second instance of Orgportal acting as an OpenID Provider.

Why allauth's own provider (allauth.idp.oidc) rather than a hand-built one on authlib:
it is a maintained, complete OpenID Provider (discovery, JWKS, authorization code
with PKCE, userinfo) from the library the portal already signs in with, so the
tests and the demo exercise a real provider with no protocol code of ours.

It runs as its own process (`make run` starts it on port 8430) with its own SQLite
file, its own signing key and its own cookie names (cookies do not tell ports apart,
so the portal's and the provider's sessions on 127.0.0.1 must not share a name).
`manage.py demo_idp_setup` (with these settings) creates its client and users.
"""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, CONTENT_SECURITY_POLICY, INSTALLED_APPS, env

IDP_DIR = Path(env.str("SSO_DEMO_IDP_DIR", default=str(BASE_DIR / "var" / "demo-idp")))
IDP_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [*INSTALLED_APPS, *[a for a in ["allauth.idp.oidc"] if a not in INSTALLED_APPS]]
ROOT_URLCONF = "sso.demo_idp.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(IDP_DIR / "db.sqlite3"),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
SESSION_COOKIE_NAME = "demo_idp_sessionid"
CSRF_COOKIE_NAME = "demo_idp_csrftoken"
# Messages in the session, not in the `messages` cookie the portal reads too.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
LOGIN_REDIRECT_URL = "/"
EMAIL_FILE_PATH = str(IDP_DIR / "mail")


def _private_key() -> str:
    path = IDP_DIR / "signing-key.pem"
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return path.read_text()


IDP_OIDC_PRIVATE_KEY = _private_key()

# Its sign-in and consent forms redirect to whichever portal asked (the client's
# redirect URI): this stand-in lets its forms post anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        k: v for k, v in CONTENT_SECURITY_POLICY["DIRECTIVES"].items() if k != "form-action"
    }
}

"""Orgportal settings.

Every value comes from the environment (see `.env.example`). With nothing set the
portal runs on the embedded default: SQLite, Celery tasks run eagerly, emails are
written to files under `var/mail/` and to the console.
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from csp.constants import UNSAFE_INLINE as CSP_UNSAFE_INLINE
from django.contrib.messages import constants as message_constants
from xstatic.pkg import bootstrap as xstatic_bootstrap

from operations.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="insecure-embedded-default-key-change-me-in-production-0123456789",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "crispy_forms",
    "crispy_bootstrap5",
    "solo",
    "accounts",
    "notifications",
    "organizations",
    "invitations",
    # Management API (issue 12)
    "allauth.idp.oidc",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The one language, active for the request: cheaper than none active (config/language.py).
    "config.language.DefaultLanguageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RejectNulInUrlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.org_switcher",
                "invitations.context_processors.invitation_branding",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------

DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (checked before each request's first query) double the
# requests a worker answers; a development server opens one per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0 if DEBUG else 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")


def _next_redis_db(url: str) -> str:
    """The same server, the next database number: the cache never shares the queue's db."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db + 1}"))


REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=_next_redis_db(REDIS_URL) if REDIS_URL else "")
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            # Fails open: with Redis down, the rate limits let requests through (and
            # log a warning) instead of answering 500. Sessions are in the database.
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A web request must not hang on a dead broker: connect fast, retry once, give up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# The sweep re-queues outbox emails left unsent for over 5 minutes and runs the
# ORGPORTAL_SWEEP_HOOKS (expiring invitations). `manage.py sweep_outbox` does the same.
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": env.float("ORGPORTAL_SWEEP_INTERVAL_SECONDS", default=60.0),
    },
}
# A worker that took an outbox email and did not mark it sent within this time is
# taken for dead: the sweep queues the email again (same Message-ID).
OUTBOX_SENDING_TIMEOUT_SECONDS = env.int("OUTBOX_SENDING_TIMEOUT_SECONDS", default=600)

# --- Email --------------------------------------------------------------------------

EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "accounts.mail_backends.FileAndConsoleBackend"
# A worker sends while holding the outbox row's lock: an SMTP server that hangs must
# not hold it for ever. The task records the timeout and retries with backoff.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Orgportal <no-reply@orgportal.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts (django-allauth) -------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "organizations:list"
# The invitations app extends the portal's adapter: an invitation link proves its address.
ACCOUNT_ADAPTER = "invitations.adapters.InvitationAccountAdapter"
ACCOUNT_FORMS = {"signup": "invitations.forms.InvitationSignupForm"}
# Personal or business: governance may let only business accounts create organizations.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.AccountTypeSignupForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Orgportal] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP), security keys
# and passkeys (WebAuthn), and recovery codes; turning it off asks for the password again.
MFA_ADAPTER = "accounts.mfa.EncryptingMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# "Sign in with a passkey" on the sign-in page. Signing up with a passkey is left off: it
# needs e-mail verification by code, and sign-up goes through the invitation and
# account-type form. WebAuthn's relying party is the request's host name: it works on
# https and on http://localhost (a secure context), never on a bare IP address.
MFA_PASSKEY_LOGIN_ENABLED = True
# Recovery codes are shown once, right after they are made (and downloadable for ten
# minutes then); after that only new codes can be had. Removing the authenticator app
# asks for the password and a code.
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_FORMS = {"deactivate_totp": "accounts.forms.DeactivateTOTPForm"}
MFA_WEBAUTHN_USER_VERIFICATION = "preferred"
MFA_TOTP_ISSUER = "Orgportal"
MFA_REAUTHENTICATION_REQUIRED = True
# Active sessions (allauth.usersessions): device, IP, signed in, last seen; end any of
# them. allauth's own tracking would write on every request: accounts.sessions.touch
# writes "last seen" at most once per ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS.
USERSESSIONS_TRACK_ACTIVITY = False
# allauth's rate limits, kept in the cache (Redis whenever REDIS_URL is set); "key" is
# the email address, a blocked sign-in answers 429. The README explains each choice.
ACCOUNT_RATE_LIMITS = {
    # Every sign-in form post, per IP.
    "login": "30/m/ip",
    # Wrong passwords (and wrong second-factor codes, per account): per IP a burst and
    # an hourly ceiling against password spraying; per address five every five minutes,
    # short enough that a stranger cannot lock the owner out for long.
    "login_failed": "10/m/ip,100/h/ip,5/5m/key",
    # Each reset request sends an email: at most one per address every 3 minutes.
    "reset_password": "5/m/ip,30/h/ip,1/3m/key",
    "reset_password_from_key": "20/m/ip",
    # Each sign-up sends an email too (also to an address that already has an account).
    "signup": "10/m/ip,100/h/ip",
    # Re-sending the confirmation email: one per address every 3 minutes.
    "confirm_email": "1/3m/key",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
}

# --- Security -----------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Sessions live in the database, never in the cache: a Redis outage signs nobody out.
# Django's database store, loading each session with one lean statement and not
# writing back a session a request left as it was (accounts/session_store.py).
SESSION_ENGINE = "accounts.session_store"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Static files, i18n, messages -----------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic_bootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # whitenoise's compressed manifest storage, remembering each url() it gave
            else "config.storage.ManifestStaticFilesStorage"
        )
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {message_constants.ERROR: "danger"}

ADMINS = [("Orgportal admins", a) for a in env.list("DJANGO_ADMIN_EMAILS", default=[])]

# --- Product --------------------------------------------------------------------------

ORGPORTAL_PAGE_SIZE = 25
# Run by the periodic sweep after the outbox is re-queued; each returns a count.
ORGPORTAL_SWEEP_HOOKS = ["invitations.services.expire_invitations"]

# --- Operations: probes, request logs, metrics, error reporting ------------------------
# (operations/ and config/metrics.py; README, "Production")

INSTALLED_APPS.append("operations")
# Outermost: every request gets its id and its log line, whatever answers it.
MIDDLEWARE.insert(0, "operations.middleware.RequestLogMiddleware")
# /healthz, /readyz and /metrics are answered before CommonMiddleware validates the
# Host header (a balancer probes by address), and are exempt from the HTTPS redirect.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "operations.middleware.ProbeMiddleware",
)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$", r"^metrics/?$"]

# Plain text lines by default, one JSON object per line with LOG_FORMAT=json.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = logging_config(level=env.str("DJANGO_LOG_LEVEL", default="INFO"), fmt=LOG_FORMAT)
# Take the request id from X-Request-ID only when a proxy in front sets it.
REQUEST_ID_FROM_PROXY = env.bool(
    "REQUEST_ID_FROM_PROXY", default=env.bool("DJANGO_BEHIND_PROXY", default=False)
)

READYZ_TIMEOUT_SECONDS = env.float("READYZ_TIMEOUT_SECONDS", default=0.5)
# A PostgreSQL server that does not answer must not hold a request (or /readyz) for
# ever; `?connect_timeout=` in DATABASE_URL wins.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
# PostgreSQL prepared statements (psycopg 3, server-side parameter binding): a statement
# a connection runs for the fifth time is prepared, and from then on the server neither
# parses nor plans it again. On by default in production (persistent connections keep
# the prepared statements); turn off behind PgBouncer in transaction mode, where the
# next statement may reach another server connection that never prepared it.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=not DEBUG
):
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
READYZ_OUTBOX_BACKLOG_MAX = env.int("READYZ_OUTBOX_BACKLOG_MAX", default=1000)
# The portal serves without Redis (the cache fails open, emails wait in the outbox):
# false keeps a Redis outage visible in /readyz without taking every backend out.
READYZ_REDIS_REQUIRED = env.bool("READYZ_REDIS_REQUIRED", default=True)
# Shown by /healthz and /readyz only when the operator sets it.
HEALTH_VERSION = env.str("HEALTH_VERSION", default="")

METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = [a for a in env.list("METRICS_ALLOWED_IPS", default=[]) if a.strip()]

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        # Empty or unset: no traces.
        traces_sample_rate=float(env.str("SENTRY_TRACES_SAMPLE_RATE", default="") or 0) or None,
        environment=env.str("SENTRY_ENVIRONMENT", default=""),
        release=env.str("SENTRY_RELEASE", default=""),
    )

# --- Billing (Stripe) -----------------------------------------------------------------
# With no keys, billing is off: the Billing tab says so and everything else works.
# `make run` points these at a local localstripe server; production sets real keys and
# leaves STRIPE_API_BASE empty (Stripe's own API and Stripe.js).
INSTALLED_APPS += ["django_countries", "billing"]
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Where the page loads Stripe.js from (the CSP's script-src, frame-src and connect-src
# must allow its origin): Stripe's own, or localstripe's stand-in beside its API.
STRIPE_JS_URL = env.str(
    "STRIPE_JS_URL",
    default=(
        STRIPE_API_BASE.rstrip("/") + "/js.stripe.com/v3/"
        if STRIPE_API_BASE
        else "https://js.stripe.com/v3/"
    ),
)
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
BILLING_INVOICES_PAGE_SIZE = 20
# The stripe library logs every request at INFO; its warnings and errors are enough.
LOGGING["loggers"]["stripe"] = {"level": env.str("STRIPE_LOG_LEVEL", default="WARNING")}

# --- Management API (issue 12) ---------------------------------------------------------
# Auth0-compatible `/api/v2/`, bearer tokens from allauth's OpenID Connect provider
# (client-credentials grant at `POST /oauth/token`). See README, "Management API".
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env.int("API_TOKEN_EXPIRES_IN", default=86400)
IDP_OIDC_ACCESS_TOKEN_FORMAT = "opaque"
# Client credentials only: the secret in the body (Auth0's way) or in Basic auth.
IDP_OIDC_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]
# Requests per client (per IP before a token is valid) in each window; kept in the cache.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=600)
API_RATE_LIMIT_WINDOW_SECONDS = env.int("API_RATE_LIMIT_WINDOW_SECONDS", default=60)
# Token requests per IP address in each window (guessing secrets is limited too).
API_TOKEN_RATE_LIMIT = env.int("API_TOKEN_RATE_LIMIT", default=60)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ClientTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Orgportal Management API",
    "DESCRIPTION": "Auth0-compatible Management API v2: organizations, members, roles "
    "and invitations, plus Orgportal's child organizations and seats. Get a token at "
    "`POST /oauth/token` (client credentials) and send it as `Authorization: Bearer`.",
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v2",
    "COMPONENT_SPLIT_REQUEST": True,
    "SECURITY": [{"bearerAuth": []}],
    "APPEND_COMPONENTS": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
}
# --- Account security: sessions and sign-in protection ----------------------------------

# Changing the password keeps this session signed in (allauth's
# ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE stays off) and ends every other one
# (accounts/sessions.py); a password reset ends them all.
MIDDLEWARE += ["accounts.middleware.SessionActivityMiddleware"]
# How often a signed-in session's "last seen" (and IP) is written; 0 keeps the sign-in
# time only.
ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS = env.int(
    "ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS", default=300
)
# Behind the proxy, allauth (rate limits, sessions, sign-in history) takes the client's
# address from the X-Forwarded-For entry the proxy wrote, like the audit log.
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    ALLAUTH_TRUSTED_PROXY_COUNT = 1
# Sign-in history is kept this long; the beat task below deletes older rows, expired
# sessions and their session rows (`manage.py prune_sign_in_history` does the same).
LOGIN_HISTORY_RETENTION_DAYS = env.int("LOGIN_HISTORY_RETENTION_DAYS", default=90)
CELERY_BEAT_SCHEDULE["prune-sign-in-history"] = {
    "task": "accounts.tasks.prune_sign_in_history",
    "schedule": env.float("LOGIN_HISTORY_PRUNE_INTERVAL_SECONDS", default=3600.0),
}

# --- Content-Security-Policy, Permissions-Policy (django-csp) --------------------------
# Scripts come only from the portal's own static files (no inline script, no eval);
# a template that truly needs an inline <style> or <script> gets `nonce="{{ CSP_NONCE }}"`,
# and the nonce is sent only on the pages that use it.
# Features that load a third party add its origins through these lists (comma-separated
# in the environment; a settings block may extend them, they are read on every response):
CSP_EXTRA_SCRIPT_SRC = env.list("CSP_EXTRA_SCRIPT_SRC", default=[])
CSP_EXTRA_FRAME_SRC = env.list("CSP_EXTRA_FRAME_SRC", default=[])
CSP_EXTRA_CONNECT_SRC = env.list("CSP_EXTRA_CONNECT_SRC", default=[])
CSP_EXTRA_IMG_SRC = env.list("CSP_EXTRA_IMG_SRC", default=[])
# Chromium applies form-action to the redirects after a form post too: a sign-in that
# hands over to an identity provider, or a checkout on the payment provider's site.
CSP_EXTRA_FORM_ACTION = env.list("CSP_EXTRA_FORM_ACTION", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF, CSP_NONCE],
        # style="" attributes (seat bars, tree indents, e-mail previews) run no script.
        "style-src-attr": [CSP_UNSAFE_INLINE],
        # Organization logos are any https URL; Bootstrap draws its icons as data: URLs.
        "img-src": [CSP_SELF, "data:", "https:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "frame-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        # Only where the site is served over https; the demo runs on plain http.
        "upgrade-insecure-requests": SECURE_SSL_REDIRECT,
    },
}
# Where browsers send violation reports (any collector accepting the JSON reports).
CSP_REPORT_URI = env.str("CSP_REPORT_URI", default="")
if CSP_REPORT_URI:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [CSP_REPORT_URI]
# What no page of the portal uses is off for it and every frame in it; WebAuthn
# (security keys, passkeys) only for the portal's own pages.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "config.security_headers.PortalCSPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("config.security_headers.PortalCSPMiddleware") + 1,
    "config.security_headers.PermissionsPolicyMiddleware",
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("csp.context_processors.nonce")
# SCIM provisioning: an organization's identity provider manages its members and teams
# at /scim/v2/<org>/ with the org's bearer token (the `scim` app).
INSTALLED_APPS.append("scim")
# --- Enterprise sign-in: verified domains, OpenID Connect connections per org -----------
# (sso/; README, "Enterprise sign-in")

INSTALLED_APPS += [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "sso",
]
# Each org's connections are served as `openid_connect` apps built from sso's own rows
# (the client secret stays encrypted there); none is listed on the generic login page.
SOCIALACCOUNT_ADAPTER = "sso.adapter.SsoSocialAccountAdapter"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SOCIALACCOUNT_REQUESTS_TIMEOUT", default=10)
# Home-realm discovery on the one-step login form (email and password).
ACCOUNT_FORMS = {**ACCOUNT_FORMS, "login": "sso.forms.HomeRealmLoginForm"}
# DNS servers for domain verification ("host" or "host:port", comma-separated);
# empty: the system's resolvers.
SSO_DNS_NAMESERVERS = env.list("SSO_DNS_NAMESERVERS", default=[])
SSO_DNS_TIMEOUT = env.float("SSO_DNS_TIMEOUT", default=5.0)
# An org's identity provider that does not answer: a page that says so, not a 500.
MIDDLEWARE.append("sso.middleware.ProviderDownMiddleware")
MIDDLEWARE.append("sso.middleware.SignInFormActionMiddleware")

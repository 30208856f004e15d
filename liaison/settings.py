"""Liaison settings: one module, configured from LIAISON_* environment variables.

Safe by default: DEBUG off, HTTPS-only cookies and HSTS, a secret key generated on
first start into the node's data directory (mode 0600), SQLite in that directory
unless DATABASE_URL names PostgreSQL. See docs/operations.md for every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from liaison.config import (
    env_bool,
    env_int,
    env_list,
    env_str,
    load_node_identity,
    secret_key,
    trusted_proxy,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("LIAISON_DATA_DIR", "data")).resolve()

DEBUG = env_bool("LIAISON_DEBUG", default=False)
SECRET_KEY = secret_key(DATA_DIR)

NODE = load_node_identity(DATA_DIR)
NODE_ID: str = NODE.node_id
NODE_AGENCY: str = NODE.agency
NODE_COUNTRY: str = NODE.country

# `liaison demo` sets this for the nodes it starts; demo accounts may then skip 2FA.
DEMO_MODE = env_bool("LIAISON_DEMO", default=False)
HTTPS = env_bool("LIAISON_HTTPS", default=True)

# The grading scheme new intelligence reports start on (liaison/intel/grading.py).
INTEL_GRADING_SCHEME = env_str("LIAISON_INTEL_GRADING_SCHEME", "admiralty")
# The country phone numbers without a country code are read in (ISO 3166 alpha-2);
# empty: the node id when it is a two-letter country code (liaison/intel/indicators.py).
INTEL_PHONE_REGION = env_str("LIAISON_INTEL_PHONE_REGION", "")

ALLOWED_HOSTS = env_list("LIAISON_ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("LIAISON_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "django_tasks_db",
    "liaison.core",
    "liaison.accounts",
    "liaison.audit",
    "liaison.desk",
    "liaison.registry",
    "liaison.events",
    "liaison.attachments",
    "liaison.assistance",
    "liaison.cooperation",
    "liaison.intel",
    "liaison.plan",
    "liaison.exchange",
    "liaison.witness",
]

MIDDLEWARE = [
    # First, so that it sees every response: errors under /api/ are JSON (liaison/api.py).
    "liaison.core.middleware.JsonErrorsUnderApi",
    # Outermost but one: a request id for every line logged while the request is served.
    "liaison.core.logs.RequestLog",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "liaison.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liaison.urls"
WSGI_APPLICATION = "liaison.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liaison.core.context_processors.node",
                "liaison.desk.context_processors.unread",
            ],
            # `{{ value|bdi }}` in every template, without a load tag (docs: RTL text).
            "builtins": ["liaison.core.templatetags.bidi"],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL", "")
    if url:
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        if config["ENGINE"] not in (
            "django.db.backends.postgresql",
            "django.db.backends.sqlite3",
        ):
            raise ImproperlyConfigured("DATABASE_URL must name PostgreSQL or SQLite.")
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "liaison.sqlite3",
        # IMMEDIATE transactions take the write lock up front, so concurrent writers
        # wait for it (busy timeout) instead of failing with "database is locked".
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}

# The desk's unread counts and the plan's indicators are kept between requests. A node runs
# several web processes (gunicorn), so the cache is files in the data folder, which every
# process reads: marking an item read forgets the counts for all of them. No cache server
# to run, nothing shared with another node.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# /metrics answers only a scraper holding this token (docs/operations.md, "Metrics").
METRICS_TOKEN = env_str("LIAISON_METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("LIAISON_METRICS_TOKEN must be at least 32 characters long.")

# Lockout: after LIAISON_LOCKOUT_FAILURES failed logins for one username, it is locked
# for LIAISON_LOCKOUT_MINUTES (or until `liaison axes_reset_username USERNAME`).
AXES_FAILURE_LIMIT = env_int("LIAISON_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LIAISON_LOCKOUT_MINUTES", 15))
# Per username only: officers of a station share one NAT address, and locking by address
# would lock them all out; rotating addresses or user agents does not unlock a username.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "liaison.accounts.views.locked_out"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = f"Liaison {NODE_ID}"
OTP_TOTP_THROTTLE_FACTOR = 1

# Sessions end after LIAISON_SESSION_IDLE_MINUTES without activity, and at browser close.
SESSION_COOKIE_AGE = 60 * env_int("LIAISON_SESSION_IDLE_MINUTES", 30)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy: `liaison serve` (waitress) takes X-Forwarded-Proto and
# X-Forwarded-For from TRUSTED_PROXY only and drops them from anyone else; Django's header
# setting is for other WSGI servers, which must do the same filtering.
BEHIND_PROXY = env_bool("LIAISON_BEHIND_PROXY", default=False)
TRUSTED_PROXY = trusted_proxy(behind_proxy=BEHIND_PROXY)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = env_str("LIAISON_LANGUAGE", "fr")
LANGUAGES = [("fr", _("French")), ("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("LIAISON_TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served straight from the app folders, so a node needs no collectstatic step to start;
# set LIAISON_STATIC_ROOT to collect them for a reverse proxy instead.
STATIC_ROOT = env_str("LIAISON_STATIC_ROOT", "") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Alerts and warrants come up for review this many years after creation (then are erased
# unless a supervisor extends them with a written justification).
REVIEW_YEARS = env_int("LIAISON_REVIEW_YEARS", 3)

# Background work (django.tasks): the database backend, run by `liaison task-worker` (and by
# `liaison serve`). LIAISON_TASKS_IMMEDIATE=1 runs tasks in the request instead (tests).
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if env_bool("LIAISON_TASKS_IMMEDIATE", default=False)
        else "django_tasks_db.DatabaseBackend",
    }
}
# Accreditation screening (docs/events.md): rows per chunk (one transaction each), a pause
# between chunks (milliseconds, to leave the CPU to the web server), and how long a
# screening may go without a finished chunk before another worker takes it over.
SCREENING_CHUNK_ROWS = env_int("LIAISON_SCREENING_CHUNK_ROWS", 1000)
SCREENING_CHUNK_PAUSE_MS = env_int("LIAISON_SCREENING_CHUNK_PAUSE_MS", 0)
SCREENING_STALE_SECONDS = env_int("LIAISON_SCREENING_STALE_SECONDS", 600)
# How often the worker marks the bans past their end as expired (docs/events.md, "Risk
# supporters and stadium bans").
BAN_EXPIRY_SECONDS = env_int("LIAISON_BAN_EXPIRY_SECONDS", 3600)
LIST_MAX_BYTES = env_int("LIAISON_LIST_MAX_MB", 50) * 1024 * 1024
# Four-eyes confirmations in the review queue, for events that do not set their own.
EVENT_FOUR_EYES = env_bool("LIAISON_EVENT_FOUR_EYES", default=False)
# Attachments (docs/assistance.md, "Attachments"): the largest file, refused beyond it
# before the body is read (liaison/core/server.py), and again by the upload action.
ATTACHMENT_MAX_BYTES = env_int("LIAISON_ATTACHMENT_MAX_MB", 10) * 1024 * 1024
# The names of a training's participants (officers: personal data) go to the partner only
# when this is on and the training is H2 (docs/plan.md); otherwise the partner gets the count.
TRAINING_SHARE_PARTICIPANT_NAMES = env_bool(
    "LIAISON_TRAINING_SHARE_PARTICIPANT_NAMES", default=False
)

# Requests for assistance (docs/assistance.md): hours the recipient has to answer, counted
# from receipt on its node, per urgency (Directive (EU) 2023/977 art. 5: 8 h, 3 days,
# 7 days), and how often the worker looks for overdue requests to escalate.
ASSISTANCE_DEADLINE_HOURS = {
    "urgent_direct": env_int("LIAISON_REQUEST_HOURS_URGENT_DIRECT", 8),
    "urgent": env_int("LIAISON_REQUEST_HOURS_URGENT", 72),
    "normal": env_int("LIAISON_REQUEST_HOURS_NORMAL", 168),
}
ASSISTANCE_ESCALATION_SECONDS = env_int("LIAISON_REQUEST_ESCALATION_SECONDS", 300)
# Tasks of joint cases (docs/groups.md): how many days before its due date a task assigned
# to this service shows on the desk and is reminded (once), and how often the worker looks.
TASK_REMINDER_DAYS = env_int("LIAISON_TASK_REMINDER_DAYS", 2)
TASK_REMINDER_SECONDS = env_int("LIAISON_TASK_REMINDER_SECONDS", 300)
# Notifications by e-mail (docs/operations.md#e-mail): off by default; when on, the worker
# sends them every LIAISON_EMAIL_SECONDS through Django's mail backend, configured from the
# environment. A notice links to LIAISON_PUBLIC_URL + the page's path and says nothing else.
EMAIL_NOTIFICATIONS = env_bool("LIAISON_EMAIL_NOTIFICATIONS", default=False)
EMAIL_SECONDS = env_int("LIAISON_EMAIL_SECONDS", 60)
PUBLIC_URL = env_str("LIAISON_PUBLIC_URL", "")
# Django's mailers (the EMAIL_* variables of the environment name the server).
MAILERS = {
    "default": {
        "BACKEND": env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 25),
            "username": env_str("EMAIL_HOST_USER", ""),
            "password": env_str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", default=False),
            "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
            "timeout": env_int("EMAIL_TIMEOUT", 10),
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "liaison@localhost")
# How long the navbar's unread count may be reused between pages (the desk is always exact).
DESK_BADGE_SECONDS = env_int("LIAISON_DESK_BADGE_SECONDS", 20)

# Human-readable lines by default; LIAISON_LOG_FORMAT=json for one JSON object per line
# (liaison/core/logs.py: what a line holds, and what is never logged).
LOG_FORMAT = env_str("LIAISON_LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LIAISON_LOG_FORMAT={LOG_FORMAT!r}: use text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "liaison.core.logs.RequestContext"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "liaison.core.logs.JsonLines"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LIAISON_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint logs each step and page of a review pack's PDF at INFO: warnings only.
        "weasyprint": {"level": "WARNING"},
        # One line per request (method, path, status, duration), unless turned off.
        "liaison.request": {
            "level": "INFO" if env_bool("LIAISON_LOG_REQUESTS", default=True) else "WARNING"
        },
    },
}

"""Coopé settings, read from environment variables (see README.md, "Configuration")."""

import logging
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# COOPE_ENV=production turns debugging off and requires real keys: Coopé refuses to start in
# production with DEBUG on, or with a secret key that is short or known.
PRODUCTION = env_str("COOPE_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
DEVELOPMENT_SECRET_KEY = "coope-development-only-key-never-use-in-production"  # noqa: S105
KNOWN_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "changeme", "secret"}
SECRET_KEY = env_str("SECRET_KEY")
# Earlier secret keys, comma-separated: sessions, reset links and encrypted fields made with
# them still read after SECRET_KEY changes (docs/deploy.md, key rotation).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
# Sensitive fields (family quotient, notes, comments) are encrypted at rest with keys derived
# from ENCRYPTION_KEY (a list, comma-separated, newest first, to rotate) and SECRET_KEY: keep
# both outside the database and outside its backups.
SALT_KEY = env_list("ENCRYPTION_KEY")
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production (COOPE_ENV=production).")
    if (
        len(SECRET_KEY) < 50
        or SECRET_KEY in KNOWN_SECRET_KEYS
        or SECRET_KEY.startswith("django-insecure")  # Django's startproject key, as it says
        or len(set(SECRET_KEY)) < 5
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (COOPE_ENV=production) to a long random "
            "string of 50 characters or more: python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'"
        )
    if not SALT_KEY or any(len(key) < 32 for key in SALT_KEY):
        raise ImproperlyConfigured(
            "ENCRYPTION_KEY must be set in production to a random string of 32 characters or "
            "more, kept outside the database and its backups (see docs/deploy.md)."
        )
if not SECRET_KEY:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
if not SALT_KEY:
    SALT_KEY = ["coope-development-only-encryption-key"]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")


def coope_apps(package_dir: Path, extra: list[str]) -> list[str]:
    """Coopé's apps, discovered: the core, then every package of `coope/` that has an `apps.py`
    (people and membership first, the base every programme builds on; then by name), then the
    dotted names of `extra`. Packages whose name starts with `tests_` are test-only apps,
    installed only when named in `extra` (COOPE_EXTRA_APPS)."""
    found = sorted(
        path.parent.name
        for path in package_dir.glob("*/apps.py")
        if (path.parent / "__init__.py").exists()
    )
    first = ["core", "people", "membership"]
    names = [name for name in first if name in found]
    names += [n for n in found if n not in first and not n.startswith("tests_")]
    discovered = [f"{package_dir.name}.{name}" for name in names]
    return discovered + [app for app in extra if app not in discovered]


# Space-separated dotted names of apps to install as well (pytest adds its test-only app).
COOPE_EXTRA_APPS = env_str("COOPE_EXTRA_APPS").split()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",
    *coope_apps(BASE_DIR / "coope", COOPE_EXTRA_APPS),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A password Coopé chose is changed before anything else (coope/core/views_auth.py).
    "coope.core.views_auth.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "coope.core.middleware.CooperationScopeMiddleware",
    # Runs the view of a POST with a one-time form key once per key (coope/core/once.py);
    # after sessions, CSRF, auth and messages.
    "coope.core.middleware.OnceMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coope.urls"
WSGI_APPLICATION = "coope.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "coope" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "coope.core.context_processors.coope",
            ],
        },
    },
]

# SQLite under var/ is the embedded default; DATABASE_URL selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'coope.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a real embedded database, shared by the web server and the worker: readers do
    # not wait for a writer (WAL), a writer waits for another up to 20 s instead of failing,
    # and a transaction takes the write lock when it begins (no lock upgrade that fails).
    # Reads go through a memory map of the file (256 MB) and a 64 MB page cache: the operating
    # system's cache serves a request's pages instead of copies made anew at each connection
    # (bench/pages.py: the renewals count at 100,000 people, 375 ms without, 125 ms with).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# Django's four validators; 10 characters at least: a short sentence is easier for an
# inhabitant to remember than a short password with symbols.
PASSWORD_MIN_LENGTH = 10
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes counts failed logins: after 5 for one account from one address, that pair is
# locked out for 15 minutes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "coope.core.views_auth.locked_out"
# Behind COOPE_PROXY_COUNT reverse proxies (nginx: 1) the client's address is read from
# X-Forwarded-For as the outermost proxy wrote it (coope.core.views_auth.client_address).
COOPE_PROXY_COUNT = env_int("PROXY_COUNT", 1 if PRODUCTION else 0)
AXES_CLIENT_IP_CALLABLE = "coope.core.views_auth.client_address"
# A session ends after a working day, and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "coope" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "coope" / "static"]
# WhiteNoise serves the static files itself (no web server needed for them); in production
# from the files `coope collectstatic` gathered, with hashed names and compressed copies.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production WhiteNoise serves the apps' files as they are, without collectstatic.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not PRODUCTION

# In production one cache shared by the web server's processes and the worker (throttles);
# in development and tests each process keeps its own in memory.
if PRODUCTION or env_str("CACHE_DIR"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
        }
    }

# Mail: a real SMTP server (EMAIL_HOST, EMAIL_PORT...); the console in development.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "coope@localhost")
# Server errors are mailed to ADMINS (comma-separated addresses) in production.
ADMINS = env_list("ADMINS")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Background work: Django's Tasks framework. In production a worker process (`coope
# db_worker`) runs the tasks stored in the database; in development and tests they run at once.
TASKS = {
    "default": {
        "BACKEND": env_str(
            "TASKS_BACKEND",
            "django_tasks_db.DatabaseBackend"
            if PRODUCTION
            else "django.tasks.backends.immediate.ImmediateBackend",
        )
    }
}

# Content-Security-Policy (Django's own): scripts only from Coopé's files or carrying the
# page's nonce; styles from Coopé's files and the colour attributes of its templates.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is the domain owner's choice (hstspreload.org, slow to undo).
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # The health endpoint is asked over plain HTTP by the machine's own supervisor.
    SECURE_REDIRECT_EXEMPT = [r"^sante/$"]


def _refusal_in_one_line(record: logging.LogRecord) -> bool:
    """A refused or missing page (403, 404...) is the visitor's, not a fault of the code: one
    line in the log, without the traceback of the PermissionDenied that answered it."""
    if 400 <= getattr(record, "status_code", 0) < 500:
        record.exc_info, record.exc_text = None, None
    return True


LOG_LEVEL = env_str("LOG_LEVEL", "WARNING")
# Django's own "django" logger prints to the console when DEBUG is on and passes each record
# to the root logger too: every refusal came out twice. It prints nothing itself here (errors
# are still mailed to ADMINS in production); the root logger prints each record once.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusal_in_one_line": {"()": lambda: _refusal_in_one_line},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusal_in_one_line"]},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "loggers": {"django": {"handlers": ["mail_admins"], "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

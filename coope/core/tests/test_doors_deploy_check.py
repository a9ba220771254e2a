"""`coope check --deploy` in production mode: Django's deployment checks find nothing to fix.

Run in a child process: the settings are read once, at start-up, from the environment."""

import json
import os
import secrets
import subprocess
import sys

# Preloading HSTS is the domain owner's choice (hstspreload.org, slow to undo), switched on by
# SECURE_HSTS_PRELOAD=1: its reminder is the only one allowed.
ALLOWED = {"security.W021"}

CHECKS = """
import json, django
django.setup()
from django.core.checks import run_checks
from django.conf import settings
print(json.dumps({
    "issues": [[m.id, m.msg] for m in run_checks(include_deployment_checks=True)],
    "session_age": settings.SESSION_COOKIE_AGE,
    "browser_close": settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "csp": settings.SECURE_CSP,
    "debug": settings.DEBUG,
    "validators": [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS],
}))
"""


def production(**extra: str) -> dict:
    env = {
        **os.environ,
        "COOPE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "coope.example.org",
        "DJANGO_SETTINGS_MODULE": "coope.settings",
        **extra,
    }
    env.pop("DEBUG", None)
    # Set by the browser tests in this process (Playwright runs an event loop): not in production.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", CHECKS], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_deployment_checks_are_clean_in_production():
    found = production()
    assert {issue for issue, _msg in found["issues"]} <= ALLOWED, found["issues"]
    assert found["debug"] is False
    assert found["session_age"] == 10 * 3600 and found["browser_close"] is True
    assert found["hsts"] >= 365 * 24 * 3600 and found["ssl_redirect"] is True
    assert found["secure_cookies"] == [True, True]
    assert "'unsafe-eval'" not in found["csp"]["script-src"]
    assert "'unsafe-inline'" not in found["csp"]["script-src"]
    assert found["validators"] == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


def test_preloading_hsts_silences_its_reminder_too():
    found = production(SECURE_HSTS_PRELOAD="1")
    assert found["issues"] == []

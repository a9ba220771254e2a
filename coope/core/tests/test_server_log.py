"""The server log: a refused page is one line (no traceback), a missing page is logged once."""

import contextlib
import io
import logging

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.log import configure_logging

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_log(settings):
    """What the console handler prints, with DEBUG on as on a developer's machine."""
    settings.DEBUG = True
    stream = io.StringIO()
    try:
        with contextlib.redirect_stderr(stream):
            configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)
        yield stream
    finally:
        configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)


def test_a_refused_page_is_one_line_without_traceback(client_as, world, server_log):
    assert client_as(world.alice).get(reverse("cannery:index")).status_code == 403
    log = server_log.getvalue()
    assert log.count("Forbidden (Permission denied): /conserverie/") == 1, log
    assert "Traceback" not in log and "PermissionDenied" not in log, log


def test_a_missing_page_is_logged_once(client_as, world, server_log):
    assert client_as(world.alice).get("/nulle-part/").status_code == 404
    log = server_log.getvalue()
    assert log.count("Not Found: /nulle-part/") == 1, log


def test_an_error_still_comes_out_with_its_traceback(server_log):
    try:
        raise ValueError("boum")
    except ValueError:
        logging.getLogger("django.request").error("Internal Server Error: /x", exc_info=True)
    log = server_log.getvalue()
    assert log.count("Internal Server Error: /x") == 1 and "ValueError: boum" in log, log

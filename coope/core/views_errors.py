"""The page of a request that failed: a busy database is not a fault of Coopé.

Django calls `handler500` while it handles the exception, so `sys.exc_info()` is the error.
When the database was only busy (SQLite's write lock held by a long import past its timeout, a
PostgreSQL lock not obtained in time, contention that retries did not clear), the transaction
was rolled back: the person gets a 503 that says nothing was written and to send again in a
minute (a one-time form key is freed with the rollback, so sending again records once).
Anything else is Django's own 500 page (coope/templates/500.html).
"""

import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

from coope.lib.atomic import database_busy

RETRY_AFTER_SECONDS = 60


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if error is not None and database_busy(error):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return django_server_error(request)

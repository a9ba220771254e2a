"""A write that meets a busy database (a long import holding SQLite's write lock) answers a 503
that says nothing was written, not a 500: the errors are real ones, made by two connections."""

import sqlite3

import psycopg
import pytest
from django.db import utils
from django.test import RequestFactory

from coope.core.views_errors import server_error
from coope.lib.atomic import database_busy


def real_lock_error(tmp_path) -> utils.OperationalError:
    """SQLite's own « database is locked », as Django raises it (wrapped, with its cause)."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("create table t (x)")
    holder.execute("begin immediate")  # a long import holding the write lock
    writer = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        writer.execute("begin immediate")
    except sqlite3.OperationalError as cause:
        error = utils.OperationalError(*cause.args)
        error.__cause__ = cause
        return error
    finally:
        holder.close()
        writer.close()
    raise AssertionError("the second writer was not refused")


def answer_to(error: BaseException):
    try:
        raise error
    except type(error):
        return server_error(RequestFactory().post("/accueil/passages/nouveau/"))


def test_a_write_refused_by_a_held_write_lock_answers_503_in_french(tmp_path):
    error = real_lock_error(tmp_path)
    assert database_busy(error)
    response = answer_to(error)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    text = response.content.decode()
    assert "rien n'a été enregistré" in text and "Précédent" in text


def test_any_other_failure_is_still_the_500_page(tmp_path):
    path = tmp_path / "x.sqlite3"
    connection = sqlite3.connect(path)
    try:
        connection.execute("select * from no_such_table")
    except sqlite3.OperationalError as cause:
        error = utils.OperationalError(*cause.args)
    finally:
        connection.close()
    assert not database_busy(error)
    response = answer_to(error)
    assert response.status_code == 500
    assert "Un problème est survenu" in response.content.decode()


@pytest.mark.parametrize("code", ["40P01", "40001", "55P03"])
def test_postgresql_contention_and_lock_waits_are_busy(code):
    """psycopg's own exception classes for a deadlock, a serialization failure, a lock not
    obtained (lock_timeout), as Django wraps them."""
    cause = psycopg.errors.lookup(code)("lock")
    error = utils.OperationalError(*cause.args)
    error.__cause__ = cause
    assert database_busy(error)

"""A compiled statement is the query it was built from, even on a brand-new connection."""

import pytest
from django.contrib.postgres.signals import get_hstore_oids
from django.db import connection

from accounts.selectors import user_by_token
from accounts.services import token_create
from accounts.tests.factories import user_create
from twitterclone import statements


@pytest.mark.django_db(transaction=True)
def test_a_statement_first_compiled_on_a_new_connection_is_not_its_set_up_query(monkeypatch):
    # A new connection first asks PostgreSQL for the hstore type (django.contrib.postgres);
    # compiled inside the capture, that query was taken for the token lookup, and every
    # token of the process was refused (the stream's worker threads open new connections).
    user = user_create()
    token = token_create(user=user)
    monkeypatch.setattr(statements, "_statements", type(statements._statements)())
    connection.close()
    get_hstore_oids.cache_clear()  # as in a new process: the next connection asks again
    assert user_by_token(token=token) == user
    (compiled,) = statements.statements_compiled(("accounts.user_by_token",))
    assert "api_tokens" in compiled.sql

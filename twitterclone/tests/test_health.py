"""The load balancer's probes: /healthz (the process answers) and /readyz (one database read)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db
def test_healthz_answers_without_the_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert len(queries) == 0


@pytest.mark.django_db
def test_readyz_reads_one_row(client, django_user_model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert [q["sql"] for q in queries] == ["SELECT id FROM users ORDER BY id LIMIT 1"]


@pytest.mark.django_db
def test_probes_set_no_cookie(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert not response.cookies, path

"""Idempotency-Key: concurrent requests with one key, on their own connections, post once."""

import threading

import pytest
import requests

from accounts.tests.factories import user_create
from tweets.models import Tweet

from .helpers import token_for

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 4
AT_ONCE = 3


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


def test_concurrent_requests_with_one_key_post_one_status(live_server):
    alice = user_create()
    token = token_for(alice)
    url = f"{live_server.url}/api/v1/statuses"
    for round_ in range(ROUNDS):
        barrier = threading.Barrier(AT_ONCE)
        answers: list = []

        def send(round_=round_, barrier=barrier, answers=answers):
            session = requests.Session()  # a connection (and server thread) of its own
            barrier.wait()
            answers.append(
                session.post(
                    url,
                    data={"status": f"once {round_}"},
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Idempotency-Key": f"key-{round_}",
                    },
                    timeout=30,
                )
            )

        threads = [threading.Thread(target=send) for _ in range(AT_ONCE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [answer.status_code for answer in answers] == [200] * AT_ONCE
        assert len({answer.json()["id"] for answer in answers}) == 1
        assert Tweet.objects.filter(user=alice, content=f"once {round_}").count() == 1


def test_another_key_or_account_posts_again(live_server):
    alice, bob = user_create(), user_create()
    headers = {"Idempotency-Key": "same"}
    for user in (alice, bob):
        for key in ("same", "other"):
            response = requests.post(
                f"{live_server.url}/api/v1/statuses",
                data={"status": "hello"},
                headers={
                    **headers,
                    "Idempotency-Key": key,
                    "Authorization": f"Bearer {token_for(user)}",
                },
                timeout=30,
            )
            assert response.status_code == 200
    assert Tweet.objects.filter(content="hello").count() == 4

"""X-RateLimit-* headers and 429 from the project's own throttles, however a request is dressed."""

import time
from datetime import UTC, datetime

import pytest
from django.test import Client
from mastodon import MastodonRatelimitError

from accounts.services import token_create
from accounts.tests.factories import user_create
from tweets.models import Tweet

from .helpers import token_for
from .test_mastodonpy import _log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    settings.API_THROTTLING = True
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {
        **rest["DEFAULT_THROTTLE_RATES"],
        "post": "4/h",
        "write": "3/h",
    }
    settings.REST_FRAMEWORK = rest


def test_a_status_post_says_where_the_limit_stands(rates):
    alice = user_create()
    api = Client(headers={"authorization": f"Bearer {token_for(alice)}"})
    before = datetime.now(UTC)
    first = api.post("/api/v1/statuses", {"status": "one"})
    assert first.status_code == 200
    assert first["X-RateLimit-Limit"] == "4" and first["X-RateLimit-Remaining"] == "3"
    reset = datetime.fromisoformat(first["X-RateLimit-Reset"].replace("Z", "+00:00"))
    assert 3590 <= (reset - before).total_seconds() <= 3610
    second = api.post("/api/v1/statuses", {"status": "two"})
    assert second["X-RateLimit-Remaining"] == "2"
    assert second["X-RateLimit-Reset"] == first["X-RateLimit-Reset"]
    # Reads are not limited and say nothing.
    assert "X-RateLimit-Limit" not in api.get("/api/v1/timelines/home")


def test_the_post_limit_holds_however_the_request_is_dressed(rates):
    alice = user_create()
    token = token_for(alice)
    other_app_token = token_for(alice)
    plain = Client(headers={"authorization": f"Bearer {token}"})
    dressed = Client(
        headers={
            "authorization": f"bearer   {other_app_token}".replace("   ", " "),
            "user-agent": "SomethingElse/1.0",
            "x-forwarded-for": "203.0.113.9",
        },
        REMOTE_ADDR="198.51.100.7",
    )
    project = Client(headers={"authorization": f"Bearer {token_create(user=alice)}"})
    answers = [
        plain.post("/api/v1/statuses", {"status": "form"}),
        dressed.post(
            "/api/v1/statuses/", {"status": "json, slash"}, content_type="application/json"
        ),
        project.post("/api/v1/tweets", {"content": "project API"}, content_type="application/json"),
        plain.post("/api/v1/statuses", {"status": "last one"}, HTTP_IDEMPOTENCY_KEY="k"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 201, 200]
    # The fifth, however dressed, is refused: the user's one "post" counter is spent.
    refused = [
        plain.post("/api/v1/statuses", {"status": "over"}),
        dressed.post("/api/v1/statuses/", {"status": "over"}, content_type="application/json"),
        project.post("/api/v1/tweets", {"content": "over"}, content_type="application/json"),
        plain.post("/api/v1/statuses", {"status": "over"}, HTTP_IDEMPOTENCY_KEY="fresh"),
    ]
    for response in refused:
        assert response.status_code == 429
    assert refused[0].json() == {"error": "Too many requests"}
    assert refused[0]["X-RateLimit-Remaining"] == "0" and int(refused[0]["Retry-After"]) > 0
    assert refused[1].json() == {"error": "Too many requests"}
    assert Tweet.objects.filter(user=alice).count() == 4
    assert not Tweet.objects.filter(content="over").exists()


def test_other_writes_share_the_write_limit(rates):
    alice, bob = user_create(), user_create()
    tweet = Tweet.objects.create(user=bob, content="hi")
    api = Client(headers={"authorization": f"Bearer {token_for(alice)}"})
    project = Client(headers={"authorization": f"Bearer {token_create(user=alice)}"})
    assert api.post(f"/api/v1/statuses/{tweet.pk}/favourite")["X-RateLimit-Remaining"] == "2"
    assert project.post(f"/api/v1/tweets/{tweet.pk}/like").status_code in (200, 201)
    assert api.post(f"/api/v1/accounts/{bob.pk}/follow")["X-RateLimit-Remaining"] == "0"
    over = api.post(f"/api/v1/statuses/{tweet.pk}/bookmark")
    assert over.status_code == 429 and over.json() == {"error": "Too many requests"}


@pytest.mark.django_db(transaction=True)
def test_mastodon_py_reads_the_headers_and_the_429(live_server, rates, settings):
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "post": "2/h"}
    settings.REST_FRAMEWORK = rest
    api = _log_in(live_server.url, user_create(username="alice"))
    api.ratelimit_method = "throw"
    api.status_post("one")
    api.status_post("two")
    assert api.ratelimit_limit == 2 and api.ratelimit_remaining == 0
    # Mastodon.py shifts the reset by the Date header's difference to its clock (1 s steps).
    assert 3500 < api.ratelimit_reset - time.time() <= 3602
    with pytest.raises(MastodonRatelimitError):
        api.status_post("three")
    assert not Tweet.objects.filter(content="three").exists()

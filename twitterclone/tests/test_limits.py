"""Rate limits (twitterclone/limits.py): one limiter, the same counters for the API and HTML.

Issue 11: padded login names, a forged X-Forwarded-For and the HTML forms each escaped the
limits; every attack here must end in 429.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.tests.factories import PASSWORD, user_create
from social.models import UserFollows
from tweets.models import Like, Tweet
from tweets.tests.factories import post
from twitterclone.limits import (
    RATE_LIMITED,
    client_ip,
    ip_ident,
    limit_charge,
    username_canonical,
)
from twitterclone.tests.api_helpers import bearer_client, throttle_rates

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
REGISTER = "/api/v1/auth/register"
WRONG = "not-the-password"
# Every dress issue 11 saw get a fresh counter, plus case and fullwidth letters.
PADDED = [" vic", "vic ", "\tvic", "vic\n", "\xa0vic", " vic ", "VIC", "\uff56\uff49\uff43"]
MESSAGE = RATE_LIMITED.encode()


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def vic():
    return user_create(username="vic")


@pytest.fixture
def api():
    return APIClient()


def _rates(**rates):
    return override_settings(REST_FRAMEWORK=throttle_rates(**rates))


def _api_login(api, username, password=WRONG, **extra):
    return api.post(TOKEN, {"username": username, "password": password}, format="json", **extra)


def _html_login(client, username, password=WRONG, **extra):
    return client.post("/login", {"username": username, "password": password}, **extra)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# Login names: one account, one counter, however it is dressed


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        (" vic", "vic"),
        ("vic\n", "vic"),
        ("\xa0vic\u3000", "vic"),
        ("VIC", "vic"),
        ("\uff36\uff49\uff43", "vic"),  # fullwidth
        ("\u212aate", "kate"),  # KELVIN SIGN
        ("v ic", "v ic"),  # inner spaces name another (impossible) account
    ],
)
def test_username_canonical(typed, canonical):
    assert username_canonical(typed) == canonical


def test_padded_names_share_one_api_lock_and_the_right_password_gets_429(api, vic):
    with _rates(token_username=f"{len(PADDED)}/h"):
        for typed in PADDED:
            assert _api_login(api, typed).status_code == 400
        locked = [_api_login(api, typed, PASSWORD) for typed in [*PADDED, "vic"]]

    assert {response.status_code for response in locked} == {429}
    assert int(locked[0]["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_padded_names_share_one_html_lock_and_the_right_password_gets_429(client, vic):
    with _rates(token_username=f"{len(PADDED)}/h"):
        for typed in PADDED:
            response = _html_login(client, typed)
            assert response.status_code == 200
            assert MESSAGE not in response.content
        locked = [_html_login(client, typed, PASSWORD) for typed in [*PADDED, "vic"]]

    assert {response.status_code for response in locked} == {429}
    assert MESSAGE in locked[0].content
    assert int(locked[0]["Retry-After"]) > 0
    assert not _signed_in(client)


def test_any_dress_of_the_name_signs_in_when_not_locked(api, client, vic):
    assert _api_login(api, " \uff56IC\xa0", PASSWORD).status_code == 200
    assert _html_login(client, "\tVic ", PASSWORD).status_code == 302
    assert _signed_in(client)


def test_html_login_is_locked_by_api_attempts(api, client, vic):
    with _rates(token_username="2/h"):
        for typed in (" vic", "VIC"):
            assert _api_login(api, typed).status_code == 400
        response = _html_login(client, "vic", PASSWORD)

    assert response.status_code == 429
    assert MESSAGE in response.content
    assert not _signed_in(client)


def test_api_login_is_locked_by_html_attempts(api, client, vic):
    with _rates(token_username="2/h"):
        for typed in ("vic\n", "\xa0vic"):
            assert _html_login(client, typed).status_code == 200
        response = _api_login(api, "vic", PASSWORD)

    assert response.status_code == 429
    assert not ApiToken.objects.exists()


def test_html_login_is_limited_per_ip_across_names(client):
    with _rates(token_ip="2/h"):
        for number in range(2):
            assert _html_login(client, f"nobody{number}").status_code == 200
        response = _html_login(client, "nobody9")

    assert response.status_code == 429


def test_rate_limits_off_leave_the_html_login_alone(client, vic):
    with _rates(token_username="1/h"), override_settings(API_THROTTLING=False):
        for _ in range(3):
            assert _html_login(client, "vic").status_code == 200
        assert _html_login(client, "vic", PASSWORD).status_code == 302


# Client addresses: X-Forwarded-For only from a trusted proxy


def _request(remote="203.0.113.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "client"),
    [
        # No trusted proxies (the default): the header is anyone's to write.
        ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # From an untrusted peer the header is ignored even when proxies are configured.
        (["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # Behind the load balancer: its rightmost entry is the peer it saw.
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # What the client wrote on the left is never reached.
        (["10.0.0.0/8"], "10.0.0.2", "1.2.3.4, 5.6.7.8, 198.51.100.1", "198.51.100.1"),
        # Two trusted hops: skip both.
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.1.1.1", "198.51.100.1"),
        # Several header lines arrive joined by commas.
        (["10.0.0.0/8"], "10.0.0.2", "6.6.6.6,198.51.100.1", "198.51.100.1"),
        # Garbage stops the walk at the last trusted hop instead of minting a counter.
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1, not-an-ip", "10.0.0.2"),
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.1, ::zz, 10.1.1.1", "10.1.1.1"),
        # Only trusted hops (or no header): the innermost one is all there is.
        (["10.0.0.0/8"], "10.0.0.2", "10.3.3.3", "10.3.3.3"),
        (["10.0.0.0/8"], "10.0.0.2", None, "10.0.0.2"),
        # IPv6 and IPv4-mapped peers.
        (["fd00::/8"], "fd00::1", "2001:db8::7", "2001:db8::7"),
        (["127.0.0.1/32"], "::ffff:127.0.0.1", "198.51.100.1", "198.51.100.1"),
    ],
)
def test_client_ip(settings, trusted, remote, forwarded, client):
    settings.TRUSTED_PROXIES = trusted

    assert client_ip(_request(remote, forwarded)) == client


def test_an_ipv6_client_counts_as_its_64(settings):
    settings.TRUSTED_PROXIES = []
    one = ip_ident(_request("2001:db8:1:2::1"))

    assert ip_ident(_request("2001:db8:1:2:ffff::9")) == one
    assert ip_ident(_request("2001:db8:1:3::1")) != one


def test_rotating_forwarded_for_does_not_escape_the_login_ip_limit(api):
    with _rates(token_ip="3/h"):
        responses = [
            _api_login(api, f"nobody{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in range(4)
        ]
        html = _html_login(Client(), "nobody9", HTTP_X_FORWARDED_FOR="198.51.100.200")

    assert [response.status_code for response in responses] == [400, 400, 400, 429]
    assert html.status_code == 429


def test_rotating_forwarded_for_does_not_escape_the_register_limit(api):
    def body(n):
        return {"username": f"u{n}", "email": f"u{n}@example.com", "password": PASSWORD}

    with _rates(register="2/h"):
        codes = [
            api.post(
                REGISTER, body(n), format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
            ).status_code
            for n in range(3)
        ]

    assert codes == [201, 201, 429]
    assert User.objects.count() == 2


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(api, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    with _rates(token_ip="2/h"):
        # A spoofed leftmost entry changes nothing: the proxy's rightmost entry is the client.
        for n in range(2):
            forwarded = f"6.6.6.{n}, 198.51.100.1"
            response = _api_login(api, "nobody", HTTP_X_FORWARDED_FOR=forwarded, **proxy)
            assert response.status_code == 400
        blocked = _api_login(api, "nobody", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
        other = _api_login(api, "nobody", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)

    assert blocked.status_code == 429
    assert other.status_code == 400


# Sign-up, compose and reply: a form error and 429, nothing written


def _signup(client, n):
    data = {
        "username": f"new{n}",
        "email": f"new{n}@example.com",
        "display_name": "",
        "password": "a-long-and-unusual-passphrase",
    }
    return client.post("/signup", data)


def test_signup_over_the_register_limit_is_a_form_error_and_429(client):
    with _rates(register="2/h"):
        for n in range(2):
            assert _signup(client, n).status_code == 302
            client.logout()
        response = _signup(client, 9)

    assert response.status_code == 429
    assert MESSAGE in response.content
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(username="new9").exists()
    assert User.objects.count() == 2


def test_signup_shares_the_register_counter_with_the_api(api, client):
    body = {"username": "viaapi", "email": "viaapi@example.com", "password": PASSWORD}

    with _rates(register="1/h"):
        assert api.post(REGISTER, body, format="json").status_code == 201
        response = _signup(client, 1)

    assert response.status_code == 429
    assert not User.objects.filter(username="new1").exists()


def test_compose_over_the_post_limit_is_a_form_error_and_429(client):
    author = user_create()
    client.force_login(author)

    with _rates(post="2/h"):
        for n in range(2):
            assert client.post("/", {"content": f"tweet {n}"}).status_code == 302
        response = client.post("/", {"content": "one too many"})

    assert response.status_code == 429
    assert MESSAGE in response.content
    assert b"one too many" in response.content  # the text is kept to post later
    assert not Tweet.objects.filter(content="one too many").exists()


def test_compose_shares_the_post_counter_with_the_api(client):
    author = user_create()
    client.force_login(author)

    with _rates(post="1/h"):
        api_post = bearer_client(user=author).post(
            "/api/v1/tweets", {"content": "via api"}, format="json"
        )
        response = client.post("/", {"content": "via html"})

    assert api_post.status_code == 201
    assert response.status_code == 429
    assert not Tweet.objects.filter(content="via html").exists()


def test_reply_over_the_post_limit_is_a_form_error_and_429(client):
    author = user_create()
    tweet = post(author, "first")
    client.force_login(author)
    url = tweet.get_absolute_url()

    with _rates(post="1/h"):
        assert client.post(url, {"content": "reply 1"}).status_code == 302
        response = client.post(url, {"content": "reply 2"})

    assert response.status_code == 429
    assert MESSAGE in response.content
    assert not Tweet.objects.filter(content="reply 2").exists()


# HTML write actions: the API's write counter


def test_html_write_actions_share_the_write_limit_with_the_api(client):
    alice, bob = user_create(), user_create(username="bob")
    tweet = post(bob, "hello")
    client.force_login(alice)

    with _rates(write="2/h"):
        api_like = bearer_client(user=alice).post(f"/api/v1/tweets/{tweet.pk}/like")
        retweet = client.post(f"/tweets/{tweet.pk}/retweet")
        follow = client.post("/@bob/follow")
        unlike = client.post(
            f"/tweets/{tweet.pk}/like", {"action": "unlike"}, HTTP_HX_REQUEST="true"
        )
        home = client.get("/")

    assert (api_like.status_code, retweet.status_code) == (200, 302)
    assert follow.status_code == 429
    assert MESSAGE in follow.content
    assert int(follow["Retry-After"]) > 0
    assert unlike.status_code == 429
    assert unlike.content == MESSAGE
    assert not UserFollows.objects.filter(follower=alice).exists()
    assert Like.objects.filter(user=alice, tweet=tweet).exists()
    assert home.status_code == 200  # reads are never counted


@pytest.mark.parametrize(
    "path",
    ["/tweets/{pk}/like", "/tweets/{pk}/delete", "/tweets/{pk}/report", "/@bob/block"],
)
def test_each_html_write_action_is_limited(client, path):
    bob = user_create(username="bob")
    tweet = post(bob, "hello")
    client.force_login(bob if "delete" in path else user_create())

    with _rates(write="0/h"):
        response = client.post(path.format(pk=tweet.pk), {"reason": "spam"})

    assert response.status_code == 429
    assert Tweet.objects.filter(pk=tweet.pk).exists()


# The counter itself


def test_a_window_lets_count_requests_through_and_refusals_do_not_count():
    with _rates(token_ip="2/2s"):
        assert limit_charge(scope="token_ip", ident="x") is None
        assert limit_charge(scope="token_ip", ident="x") is None
        refused = [limit_charge(scope="token_ip", ident="x") for _ in range(5)]
        assert limit_charge(scope="token_ip", ident="y") is None
        time.sleep(2.1)
        # Five refusals later the window still closed on time: a fresh one lets two through.
        assert limit_charge(scope="token_ip", ident="x") is None
        assert limit_charge(scope="token_ip", ident="x") is None
        assert limit_charge(scope="token_ip", ident="x") in (1, 2)

    assert set(refused) <= {1, 2}


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS_CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}


@pytest.fixture
def redis_up():
    """Skip where no Redis runs (a laptop's `make test`); CI (.ci/run starts it) never skips."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (set TEST_REDIS_URL)")


@override_settings(CACHES=REDIS_CACHES)
def test_on_redis_concurrent_requests_never_slip_past_the_limit(redis_up):
    """Production's counters (Redis, shared by every process): 20 racing requests, 5 let in."""
    cache.clear()
    with _rates(token_ip="5/h"), ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _: limit_charge(scope="token_ip", ident="race"), range(20)))
    cache.clear()

    assert waits.count(None) == 5
    assert all(wait is not None and 0 < wait <= 3600 for wait in waits if wait is not None)


@override_settings(CACHES=REDIS_CACHES)
def test_on_redis_padded_names_share_one_lock(redis_up, api, vic):
    cache.clear()
    with _rates(token_username="3/h", token_ip="1000/h"):
        answers = [_api_login(api, name).status_code for name in PADDED]
        right_password = _api_login(api, " vic ", password=PASSWORD)
    cache.clear()

    assert answers[:3] == [400, 400, 400]
    assert set(answers[3:]) == {429}
    assert right_password.status_code == 429
    assert not ApiToken.objects.filter(user=vic).exists()

"""Bad input across the JSON API: always a 4xx with a clear message, never a 500, nothing written.

Covers what DESIGN ("API contract") and the issue name: malformed JSON, wrong types, unknown or
non-numeric ids, ids beyond BIGINT in the path and the body, garbage or tampered cursors, bad
limits, NUL bytes in any field or query parameter, oversized bodies, missing or bad bearer
tokens, and a session without its CSRF token. Django's test client re-raises any exception a
view lets through, so a 500 fails the test loudly instead of hiding behind a status code.
"""

import json

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client

from accounts.models import ApiToken, Privacy, User
from accounts.services import token_create, token_delete, user_set_active
from accounts.tests.factories import PASSWORD, user_create
from social.models import Block, FollowRequest, UserFollowers, UserFollows
from social.services import follow_create
from tweets.models import Like, Tweet
from tweets.tests.factories import post
from twitterclone.pagination import cursor_encode

pytestmark = pytest.mark.django_db

API = "/api/v1"
BIGINT_MAX = 2**63 - 1
OVERSIZED = 256 * 1024 + 1
NUL = "nul\x00byte"
# Values of the wrong JSON type where text is due.
NOT_TEXT = [42, 4.2, True, [], ["text"], {}, {"text": "text"}]
# Values that are not a usable id where an id is due.
NOT_AN_ID = ["abc", 1.5, True, [], [1], {}, {"id": 1}, -1, 0, BIGINT_MAX + 1, 2**64, 10**30]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@pytest.fixture
def alice():
    return user_create(username="alice", display_name="Alice", email="alice@example.com")


@pytest.fixture
def bob():
    return user_create(username="bob", privacy=Privacy.PROTECTED)


@pytest.fixture
def tweet(alice):
    return post(alice, "hello #world")


@pytest.fixture
def token(alice):
    return token_create(user=alice)


@pytest.fixture
def client(token):
    """Alice's client, with her bearer token on every request."""
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def world(alice, bob, tweet):
    """A little of everything, so "nothing written" is measured against real rows."""
    carol = user_create(username="carol")
    follow_create(follower=carol, followee=alice)
    follow_create(follower=alice, followee=bob)  # a pending request
    post(carol, "a reply", reply_to_id=tweet.pk)
    return {"alice": alice, "bob": bob, "carol": carol, "tweet": tweet}


def _state() -> dict:
    """Everything a request could write: row counts and every user's profile fields."""
    models = [User, ApiToken, Tweet, Like, UserFollows, UserFollowers, FollowRequest, Block]
    counts = {model.__name__: model.objects.count() for model in models}
    profiles = list(
        User.objects.order_by("pk").values_list(
            "username", "display_name", "bio", "profile_image_url", "privacy", "updated_at"
        )
    )
    tweets = list(Tweet.objects.order_by("pk").values_list("content", "like_count", "reply_count"))
    return {"counts": counts, "profiles": profiles, "tweets": tweets}


def _send(client: Client, method: str, path: str, body=None, **extra):
    """Send `body` as JSON (dict, list...), or as raw bytes/str when given so."""
    if body is None:
        return client.generic(method.upper(), path, **extra)
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.generic(method.upper(), path, data, content_type="application/json", **extra)


def _refused(response, status: int | tuple[int, ...] = 400, field: str | None = None) -> dict:
    """Assert a 4xx JSON answer with a readable message (on `field` if given); return it."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body, dict) and body, body
    if field is not None:
        assert field in body, body
        messages = body[field] if isinstance(body[field], list) else [body[field]]
        assert messages, body
        assert all(isinstance(message, str) and message for message in messages), body
    else:
        messages = [
            m for value in body.values() for m in (value if isinstance(value, list) else [value])
        ]
        assert any(isinstance(message, str) and message for message in messages), body
    return body


# Write endpoints, each with a valid body; `{tweet}` and `{user}` are filled in per test.
WRITES = [
    (
        "post",
        "/auth/register",
        False,
        {"username": "newbie", "email": "n@example.com", "password": "an-unusual-passphrase"},
    ),
    ("post", "/auth/token", False, {"username": "alice", "password": PASSWORD}),
    ("patch", "/me", True, {"display_name": "Alice A.", "bio": "hi"}),
    ("post", "/tweets", True, {"content": "hello"}),
]
WRITE_IDS = [f"{method.upper()} {path}" for method, path, _, _ in WRITES]
# Fields of each write that must be JSON text.
TEXT_FIELDS = [
    ("post", "/auth/register", False, WRITES[0][3], "username"),
    ("post", "/auth/register", False, WRITES[0][3], "email"),
    ("post", "/auth/register", False, WRITES[0][3], "password"),
    ("post", "/auth/register", False, WRITES[0][3], "display_name"),
    ("post", "/auth/token", False, WRITES[1][3], "username"),
    ("post", "/auth/token", False, WRITES[1][3], "password"),
    ("patch", "/me", True, {}, "display_name"),
    ("patch", "/me", True, {}, "bio"),
    ("patch", "/me", True, {}, "profile_image_url"),
    ("patch", "/me", True, {}, "privacy"),
    ("post", "/tweets", True, WRITES[3][3], "content"),
]


def test_a_report_is_accepted(world, client):
    response = _send(client, "post", f"{API}/tweets/{world['tweet'].pk}/report", {"reason": "spam"})
    assert response.status_code == 201


def _path(path: str, world) -> str:
    return API + path.format(tweet=world["tweet"].pk, user=world["bob"].username)


def _client_for(authenticated: bool, client: Client) -> Client:
    return client if authenticated else Client()


# Malformed JSON and JSON that is not an object


MALFORMED = [
    b'{"content": ',
    b"{",
    b"not json",
    b"\xff\xfe\x00garbage",
    b'{"a": 1}{"b": 2}',
    b'{"content": "hi",}',
    b'{"content": NaN}',
    b"{'content': 'single quotes'}",
]


@pytest.mark.parametrize(("method", "path", "authenticated", "body"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize("raw", MALFORMED, ids=[repr(raw)[:24] for raw in MALFORMED])
def test_malformed_json_is_refused_and_nothing_written(
    world, client, method, path, authenticated, body, raw
):
    before = _state()
    response = _send(_client_for(authenticated, client), method, _path(path, world), raw)
    _refused(response)
    assert _state() == before


@pytest.mark.parametrize(("method", "path", "authenticated", "body"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize(
    "raw", ["[" * 100_000 + "]" * 100_000, '{"a":' * 40_000 + "1" + "}" * 40_000]
)
def test_json_nested_too_deep_is_refused_and_nothing_written(
    world, client, method, path, authenticated, body, raw
):
    before = _state()
    response = _send(_client_for(authenticated, client), method, _path(path, world), raw)
    _refused(response)
    assert _state() == before


@pytest.mark.parametrize(("method", "path", "authenticated", "body"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize("top_level", [[], ["content"], "content", 42, None, True])
def test_json_that_is_not_an_object_is_refused(
    world, client, method, path, authenticated, body, top_level
):
    before = _state()
    raw = json.dumps(top_level)
    response = _send(_client_for(authenticated, client), method, _path(path, world), raw)
    _refused(response)
    assert _state() == before


@pytest.mark.parametrize(("method", "path", "authenticated", "body"), WRITES, ids=WRITE_IDS)
def test_a_body_that_is_not_json_is_refused_with_415(
    world, client, method, path, authenticated, body
):
    before = _state()
    sender = _client_for(authenticated, client)
    response = sender.generic(
        method.upper(), _path(path, world), "content=hello", content_type="text/plain"
    )
    _refused(response, 415)
    assert _state() == before


# Wrong types


@pytest.mark.parametrize(
    ("method", "path", "authenticated", "body", "field"),
    TEXT_FIELDS,
    ids=[f"{m.upper()} {p} {f}" for m, p, _, _, f in TEXT_FIELDS],
)
@pytest.mark.parametrize("value", NOT_TEXT, ids=[json.dumps(v) for v in NOT_TEXT])
def test_wrong_type_where_text_is_due_is_a_field_error(
    world, client, method, path, authenticated, body, field, value
):
    before = _state()
    response = _send(
        _client_for(authenticated, client), method, _path(path, world), {**body, field: value}
    )
    _refused(response, 400, field)
    assert _state() == before


@pytest.mark.parametrize("field", ["reply_to_id", "quote_of_id"])
@pytest.mark.parametrize("value", NOT_AN_ID, ids=[json.dumps(v) for v in NOT_AN_ID])
def test_unusable_ids_in_a_tweet_body_are_field_errors(world, client, field, value):
    before = _state()
    response = _send(client, "post", f"{API}/tweets", {"content": "hi", field: value})
    _refused(response, 400, field)
    assert _state() == before


@pytest.mark.parametrize("field", ["reply_to_id", "quote_of_id"])
def test_unknown_ids_in_a_tweet_body_are_field_errors(world, client, field):
    before = _state()
    response = _send(client, "post", f"{API}/tweets", {"content": "hi", field: BIGINT_MAX})
    _refused(response, 400, field)
    assert _state() == before


@pytest.mark.parametrize(
    "media_urls",
    ["https://example.com/a.png", [42], [["https://example.com/a.png"]], [{}], [None], {}],
    ids=["a string", "a number", "nested list", "an object", "null", "object"],
)
def test_media_urls_of_the_wrong_shape_are_field_errors(world, client, media_urls):
    before = _state()
    response = _send(client, "post", f"{API}/tweets", {"content": "hi", "media_urls": media_urls})
    _refused(response, 400, "media_urls")
    assert _state() == before


@pytest.mark.parametrize("privacy", ["secret", "PUBLIC", "", 1, None, ["public"]])
def test_unknown_privacy_is_a_field_error(world, client, privacy):
    before = _state()
    _refused(_send(client, "patch", f"{API}/me", {"privacy": privacy}), 400, "privacy")
    assert _state() == before


def test_a_bad_field_among_good_ones_writes_nothing(world, client):
    before = _state()
    response = _send(
        client,
        "patch",
        f"{API}/me",
        {"display_name": "Changed", "bio": "Changed", "privacy": "nonsense"},
    )
    _refused(response, 400, "privacy")
    assert _state() == before


# Unknown or non-numeric ids, ids beyond BIGINT, in the path

TWEET_PATHS = [
    ("get", "/tweets/{id}"),
    ("delete", "/tweets/{id}"),
    ("get", "/tweets/{id}/replies"),
    ("get", "/tweets/{id}/context"),
    ("post", "/tweets/{id}/like"),
    ("delete", "/tweets/{id}/like"),
    ("post", "/tweets/{id}/retweet"),
    ("delete", "/tweets/{id}/retweet"),
]
BAD_PATH_IDS = [
    "abc",
    "0",
    "-1",
    "1.5",
    "1e3",
    "%00",
    "1%00",
    str(BIGINT_MAX + 1),
    str(2**64),
    "9" * 30,
    " 1",
]


@pytest.mark.parametrize(("method", "path"), TWEET_PATHS, ids=[f"{m} {p}" for m, p in TWEET_PATHS])
@pytest.mark.parametrize("tweet_id", [*BAD_PATH_IDS, str(BIGINT_MAX)])
def test_bad_or_unknown_tweet_ids_in_the_path_are_404(world, client, method, path, tweet_id):
    before = _state()
    response = _send(client, method, API + path.format(id=tweet_id))
    assert response.status_code == 404, response.content[:300]
    assert _state() == before


@pytest.mark.parametrize(("method", "path"), TWEET_PATHS, ids=[f"{m} {p}" for m, p in TWEET_PATHS])
def test_an_unknown_tweet_id_answers_json_404(world, client, method, path):
    _refused(_send(client, method, API + path.format(id=BIGINT_MAX)), 404, "detail")


USER_PATHS = [
    ("get", "/users/{u}"),
    ("get", "/users/{u}/tweets"),
    ("get", "/users/{u}/followers"),
    ("get", "/users/{u}/following"),
    ("post", "/users/{u}/follow"),
    ("delete", "/users/{u}/follow"),
    ("post", "/users/{u}/block"),
    ("delete", "/users/{u}/block"),
    ("delete", "/users/{u}/follower"),
    ("post", "/follow-requests/{u}/approve"),
    ("post", "/follow-requests/{u}/reject"),
]
BAD_USERNAMES = ["nobody_here", "a" * 51, "%00", "al%00ice", "bad-name", "%C3%A9", "alice%20"]


@pytest.mark.parametrize(("method", "path"), USER_PATHS, ids=[f"{m} {p}" for m, p in USER_PATHS])
@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_bad_or_unknown_usernames_in_the_path_are_404(world, client, method, path, username):
    before = _state()
    response = _send(client, method, API + path.format(u=username))
    assert response.status_code == 404, response.content[:300]
    assert _state() == before


@pytest.mark.parametrize(("method", "path"), USER_PATHS, ids=[f"{m} {p}" for m, p in USER_PATHS])
def test_an_unknown_username_answers_json_404(world, client, method, path):
    _refused(_send(client, method, API + path.format(u="nobody_here")), 404, "detail")


@pytest.mark.parametrize("path", ["/tweets/abc", f"/tweets/{BIGINT_MAX + 1}", "/users/bad-name"])
def test_unmatched_api_paths_answer_json_404(world, client, path):
    _refused(client.get(API + path), 404, "detail")


# Cursors and limits on every list endpoint

LISTS = [
    "/users/{u}/tweets",
    "/users/{u}/followers",
    "/users/{u}/following",
    "/follow-requests",
    "/tweets/{tweet}/replies",
    "/tweets/{tweet}/context",
    "/timeline/home",
    "/hashtags/world",
    "/search?q=hello&type=tweets",
    "/search?q=al&type=users",
]


def _list_url(path: str, world, **params) -> str:
    url = API + path.format(u=world["alice"].username, tweet=world["tweet"].pk)
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _garbage_cursors() -> list[str]:
    real = cursor_encode(Tweet.objects.order_by("-pk")[0].created_at, 1)
    payload, _, signature = real.rpartition(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return [
        "garbage",
        ":",
        "a:b:c",
        "null",
        "%00",
        "abc%00def",
        f"{payload}:{flipped}",  # tampered signature
        f"{payload}x:{signature}",  # tampered payload
        payload,  # unsigned
        signing.dumps(["2025-01-01T00:00:00+00:00", 1], salt="another.salt"),
        signing.dumps({"id": 1}, salt="twitterclone.cursor"),
        signing.dumps("alice", salt="twitterclone.cursor"),
        "A" * 2000,
    ]


@pytest.mark.parametrize("path", LISTS)
def test_garbage_and_tampered_cursors_are_field_errors(world, client, path):
    for cursor in _garbage_cursors():
        response = client.get(_list_url(path, world, cursor=cursor))
        _refused(response, 400, "cursor")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["-1", "0", "101", "1000000", "9" * 30, "abc", "1.5", "%00"])
def test_bad_limits_are_field_errors(world, client, path, limit):
    _refused(client.get(_list_url(path, world, limit=limit)), 400, "limit")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["1", "100"])
def test_limits_at_the_bounds_are_accepted(world, client, path, limit):
    response = client.get(_list_url(path, world, limit=limit))
    assert response.status_code == 200, response.content[:300]
    page = response.json()
    page = page["replies"] if path.endswith("/context") else page
    assert set(page) == {"results", "next"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("type=tweets", "q"),
        ("q=&type=tweets", "q"),
        ("q=" + "a" * 101, "q"),
        ("q=hello&type=nope", "type"),
    ],
)
def test_bad_search_parameters_are_field_errors(world, client, query, field):
    _refused(client.get(f"{API}/search?{query}"), 400, field)


@pytest.mark.parametrize("replies", ["maybe", "2", "%00"])
def test_a_bad_replies_flag_is_a_field_error(world, client, replies):
    _refused(client.get(f"{API}/users/alice/tweets?replies={replies}"), 400, "replies")


@pytest.mark.parametrize("tag", ["%20", "a" * 5000, "%F0%9F%98%80", "%23world", "wor%25ld", "..."])
def test_odd_hashtags_answer_a_page(world, client, tag):
    response = client.get(f"{API}/hashtags/{tag}")
    assert response.status_code == 200, response.content[:300]
    assert set(response.json()) == {"results", "next"}


# NUL bytes


@pytest.mark.parametrize(
    ("method", "path", "authenticated", "body", "field"),
    TEXT_FIELDS,
    ids=[f"{m.upper()} {p} {f}" for m, p, _, _, f in TEXT_FIELDS],
)
def test_nul_bytes_in_any_text_field_are_field_errors(
    world, client, method, path, authenticated, body, field
):
    before = _state()
    value = "public\x00" if field == "privacy" else NUL
    response = _send(
        _client_for(authenticated, client), method, _path(path, world), {**body, field: value}
    )
    _refused(response, 400, field)
    assert _state() == before


SURROGATE_CASES = [
    pytest.param(
        *case,
        id=f"{case[0].upper()} {case[1]} {case[4]}",
        marks=[],
    )
    for case in TEXT_FIELDS
]


@pytest.mark.parametrize(("method", "path", "authenticated", "body", "field"), SURROGATE_CASES)
def test_lone_surrogates_in_any_text_field_are_field_errors(
    world, client, method, path, authenticated, body, field
):
    # Valid JSON ("\ud800"), but no UTF-8 can encode it: PostgreSQL would refuse it.
    before = _state()
    raw = json.dumps({**body, field: "a\ud800b"})
    response = _send(_client_for(authenticated, client), method, _path(path, world), raw)
    _refused(response, 400, field)
    assert _state() == before


@pytest.mark.parametrize(
    "raw",
    [
        b'{"content": "caf\xe9"}',
        b'\xef\xbb\xbf{"content": "bom"}',
        '{"content": "x"}'.encode("utf-16"),
    ],
    ids=["latin-1", "utf-8 BOM", "utf-16"],
)
def test_bodies_not_in_utf8_are_refused(world, client, raw):
    before = _state()
    _refused(_send(client, "post", f"{API}/tweets", raw))
    assert _state() == before


def test_integers_too_long_to_parse_are_refused(world, client):
    before = _state()
    raw = '{"content": "x", "reply_to_id": ' + "1" * 5000 + "}"
    _refused(_send(client, "post", f"{API}/tweets", raw))
    assert _state() == before


@pytest.mark.parametrize(
    "q", ['"', "!!!", "&", ":*", "\\", "a:*", "(", "'", "<->", "-", "or", "%", "_", "@", "a" * 100]
)
@pytest.mark.parametrize("kind", ["tweets", "users"])
def test_search_syntax_never_fails(world, client, q, kind):
    response = client.get(f"{API}/search", {"q": q, "type": kind})
    assert response.status_code == 200, response.content[:300]
    assert set(response.json()) == {"results", "next"}


def test_nul_bytes_in_media_urls_are_field_errors(world, client):
    before = _state()
    body = {"content": "hi", "media_urls": ["https://example.com/a\x00.png"]}
    _refused(_send(client, "post", f"{API}/tweets", body), 400, "media_urls")
    assert _state() == before


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=hel%00lo&type=tweets",
        "/search?q=al%00&type=users",
        "/search?q=hello&type=tw%00eets",
        "/hashtags/wor%00ld",
        "/users/alice/tweets?limit=1%00",
        "/timeline/home?cursor=%00",
    ],
)
def test_nul_bytes_in_query_parameters_never_fail(world, client, url):
    response = client.get(API + url)
    assert response.status_code < 500
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        _refused(response, (400, 404))


# Oversized bodies


@pytest.mark.parametrize(("method", "path", "authenticated", "body"), WRITES, ids=WRITE_IDS)
def test_oversized_bodies_are_413_and_nothing_written(
    world, client, method, path, authenticated, body
):
    before = _state()
    padded = {**body, "padding": "x" * OVERSIZED}
    response = _send(_client_for(authenticated, client), method, _path(path, world), padded)
    _refused(response, 413, "detail")
    assert _state() == before


def test_an_oversized_tweet_is_refused(world, client):
    before = _state()
    response = _send(client, "post", f"{API}/tweets", {"content": "x" * OVERSIZED})
    _refused(response, 413, "detail")
    assert _state() == before


# Authorization

AUTHENTICATED = [
    ("get", "/me", None),
    ("patch", "/me", {"bio": "changed"}),
    ("delete", "/auth/token", None),
    ("get", "/follow-requests", None),
    ("post", "/follow-requests/carol/approve", None),
    ("post", "/follow-requests/carol/reject", None),
    ("post", "/users/bob/follow", None),
    ("delete", "/users/bob/follow", None),
    ("post", "/users/bob/block", None),
    ("delete", "/users/bob/block", None),
    ("delete", "/users/carol/follower", None),
    ("post", "/tweets", {"content": "hello"}),
    ("delete", "/tweets/{tweet}", None),
    ("post", "/tweets/{tweet}/like", None),
    ("delete", "/tweets/{tweet}/like", None),
    ("post", "/tweets/{tweet}/retweet", None),
    ("delete", "/tweets/{tweet}/retweet", None),
    ("get", "/timeline/home", None),
]
AUTH_IDS = [f"{m.upper()} {p}" for m, p, _ in AUTHENTICATED]


@pytest.mark.parametrize(("method", "path", "body"), AUTHENTICATED, ids=AUTH_IDS)
def test_missing_authorization_is_401_with_a_bearer_challenge(world, method, path, body):
    before = _state()
    response = _send(Client(), method, _path(path, world), body)
    _refused(response, 401, "detail")
    assert response["WWW-Authenticate"] == "Bearer"
    assert _state() == before


def _bad_headers(alice) -> dict[str, str]:
    revoked = token_create(user=alice)
    token_delete(token=revoked)
    suspended = user_create(username="suspended")
    suspended_token = token_create(user=suspended)
    user_set_active(user=suspended, active=False)
    return {
        "unknown token": "Bearer not-a-real-token",
        "revoked token": f"Bearer {revoked}",
        "suspended user's token": f"Bearer {suspended_token}",
        "no token": "Bearer",
        "two tokens": "Bearer one two",
        "empty": "Bearer ",
        "non-ascii": "Bearer t\u00f6ken",
        "nul byte": "Bearer tok\x00en",
        "very long": "Bearer " + "a" * 10_000,
    }


@pytest.mark.parametrize(("method", "path", "body"), AUTHENTICATED, ids=AUTH_IDS)
def test_bad_bearer_tokens_are_401_and_nothing_written(world, method, path, body):
    for name, header in _bad_headers(world["alice"]).items():
        before = _state()
        response = _send(
            Client(headers={"Authorization": header}), method, _path(path, world), body
        )
        assert response.status_code == 401, (name, response.status_code, response.content[:200])
        _refused(response, 401, "detail")
        assert _state() == before, name


@pytest.mark.parametrize("path", ["/users/alice", "/tweets/{tweet}", "/search?q=hello&type=tweets"])
def test_a_bad_bearer_token_is_401_on_public_reads_too(world, path):
    response = Client(headers={"Authorization": "Bearer not-a-real-token"}).get(_path(path, world))
    _refused(response, 401, "detail")


def test_another_scheme_is_not_a_bearer_token(world):
    response = Client(headers={"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="}).get(f"{API}/me")
    _refused(response, 401, "detail")


def test_a_session_write_without_its_csrf_token_is_refused(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["alice"])
    before = _state()
    response = _send(browser, "post", f"{API}/tweets", {"content": "from the browser"})
    _refused(response, 403, "detail")
    assert "CSRF" in response.json()["detail"]
    assert _state() == before


def test_a_session_write_with_its_csrf_token_is_accepted(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["alice"])
    csrf = "k" * 32  # any well-formed secret: the header must match the cookie
    browser.cookies["csrftoken"] = csrf
    response = _send(
        browser, "post", f"{API}/tweets", {"content": "from the browser"}, HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201, response.content[:300]


def test_a_throttled_write_is_429_with_retry_after_and_writes_nothing(world, client, settings):
    cache.clear()
    settings.API_THROTTLING = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "post": "1/h",
        },
    }
    try:
        assert _send(client, "post", f"{API}/tweets", {"content": "first"}).status_code == 201
        before = _state()
        response = _send(client, "post", f"{API}/tweets", {"content": "second"})
        _refused(response, 429, "detail")
        assert 0 < int(response["Retry-After"]) <= 3600
        assert _state() == before
    finally:
        cache.clear()

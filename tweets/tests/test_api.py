"""The tweets JSON API: posting, reading, deleting, likes, retweets, timelines and hashtags.

Happy paths, the privacy rule on every endpoint (DESIGN "Privacy": what the viewer may not see
is 404), 401 for writes without a token, bad input that must never be a 500 (and writes
nothing), and query counts that do not grow with the page.
"""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Privacy
from accounts.services import token_create, user_set_active
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, follow_request_approve, privacy_set
from timelines.services import timeline_rebuild
from tweets.models import Like, Tweet
from tweets.services import CONTENT_TOO_LONG, MEDIA_TOO_MANY, MEDIA_URL_INVALID, retweet_create
from tweets.tests.factories import post
from twitterclone.api import BIGINT_MAX

pytestmark = pytest.mark.django_db

API = "/api/v1"


def client_for(user=None) -> APIClient:
    """Return an API client signed in with a bearer token (or signed out)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user)}")
    return client


def follow_approved(follower, owner) -> None:
    """Make `follower` an approved follower of `owner`, whatever its privacy."""
    follow_create(follower=follower, followee=owner)
    if owner.privacy != Privacy.PUBLIC:
        follow_request_approve(owner=owner, requester=follower)


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def alice():
    return user_create(username="alice")


@pytest.fixture
def bob():
    return user_create(username="bob")


# Posting.


def test_post_tweet_answers_201_with_the_tweet_mentions_as_usernames(alice, bob):
    response = post_json(
        client_for(alice),
        f"{API}/tweets",
        {"content": "hi @Bob #Django", "media_urls": ["https://example.com/a.png"]},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["content"] == "hi @Bob #Django"
    assert body["author"]["username"] == "alice"
    assert body["mentions"] == ["bob"]
    assert body["hashtags"] == ["django"]
    assert body["media_urls"] == ["https://example.com/a.png"]
    assert body["reply_to_id"] is None and body["quote_of"] is None
    assert isinstance(body["id"], int)
    assert Tweet.objects.get(pk=body["id"]).user_id == alice.pk


def test_post_counts_the_text_as_the_form_does_after_cleaning(alice, client):
    # 280 characters once CRLF is one line break and control characters are gone: the API
    # takes what the HTML form takes, and refuses the 281st character the same way.
    raw = ("x" * 9 + "\r\n") * 28 + "\x07"
    assert len(raw) > 280
    response = post_json(client_for(alice), f"{API}/tweets", {"content": raw})
    assert response.status_code == 201, response.content
    assert len(response.json()["content"]) == 280

    client.force_login(alice)
    client.post("/", {"content": raw})
    assert Tweet.objects.filter(user=alice).count() == 2

    too_long = post_json(client_for(alice), f"{API}/tweets", {"content": raw + "y"})
    assert too_long.status_code == 400
    assert too_long.json() == {"content": [CONTENT_TOO_LONG]}
    assert Tweet.objects.filter(user=alice).count() == 2


def test_post_reply_and_quote(alice, bob):
    original = post(bob, "original @alice")
    client = client_for(alice)

    reply = post_json(client, f"{API}/tweets", {"content": "yes", "reply_to_id": original.pk})
    quote = post_json(client, f"{API}/tweets", {"content": "look", "quote_of_id": original.pk})

    assert reply.status_code == 201 and reply.json()["reply_to_id"] == original.pk
    assert quote.status_code == 201
    assert quote.json()["quote_of"]["id"] == original.pk
    assert quote.json()["quote_of"]["mentions"] == ["alice"]
    original.refresh_from_db()
    assert original.reply_count == 1


def test_reply_to_a_tweet_the_author_may_not_see_is_400_on_the_field(alice):
    secret = post(user_create(privacy=Privacy.PRIVATE))

    response = post_json(
        client_for(alice), f"{API}/tweets", {"content": "hm", "reply_to_id": secret.pk}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["reply_to_id"]
    assert not Tweet.objects.filter(user=alice).exists()


def test_quoting_a_protected_tweet_is_400(alice):
    owner = user_create(privacy=Privacy.PROTECTED)
    follow_approved(alice, owner)
    protected = post(owner)

    response = post_json(
        client_for(alice), f"{API}/tweets", {"content": "hm", "quote_of_id": protected.pk}
    )

    assert response.status_code == 400
    assert "quote_of_id" in response.json()


# Reading and deleting one tweet.


def test_get_tweet_shows_viewer_flags(alice, bob):
    tweet = post(bob)
    client = client_for(alice)
    client.post(f"{API}/tweets/{tweet.pk}/like")

    body = client.get(f"{API}/tweets/{tweet.pk}").json()

    assert body["id"] == tweet.pk
    assert body["liked"] is True and body["retweeted"] is False
    assert body["like_count"] == 1


def test_a_plain_retweet_renders_its_original(alice, bob):
    original = post(bob, "worth it")
    retweet_create(user=alice, tweet_id=original.pk)
    retweet = Tweet.objects.get(user=alice, original_tweet=original)

    body = client_for().get(f"{API}/tweets/{retweet.pk}").json()

    assert body["retweet_of"]["id"] == original.pk
    assert body["retweet_of"]["content"] == "worth it"
    assert body["quote_of"] is None


def test_missing_tweet_is_404():
    response = client_for().get(f"{API}/tweets/{BIGINT_MAX}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_author_deletes_a_tweet(alice):
    tweet = post(alice)

    response = client_for(alice).delete(f"{API}/tweets/{tweet.pk}")

    assert response.status_code == 204
    assert not Tweet.objects.filter(pk=tweet.pk).exists()


def test_staff_delete_any_tweet_they_can_see(alice):
    tweet = post(alice)

    response = client_for(user_create(is_staff=True)).delete(f"{API}/tweets/{tweet.pk}")

    assert response.status_code == 204
    assert not Tweet.objects.filter(pk=tweet.pk).exists()


def test_others_get_403_for_a_tweet_they_see_and_nothing_is_deleted(alice, bob):
    tweet = post(alice)

    response = client_for(bob).delete(f"{API}/tweets/{tweet.pk}")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the author or staff can delete a tweet."}
    assert Tweet.objects.filter(pk=tweet.pk).exists()


def test_others_get_404_for_a_tweet_they_may_not_see(bob):
    tweet = post(user_create(privacy=Privacy.PROTECTED))

    response = client_for(bob).delete(f"{API}/tweets/{tweet.pk}")

    assert response.status_code == 404
    assert Tweet.objects.filter(pk=tweet.pk).exists()


# Replies and context.


def test_replies_are_paged_newest_first(alice, bob):
    parent = post(alice)
    replies = [post(bob, f"reply {n}", reply_to_id=parent.pk) for n in range(3)]
    client = client_for()

    first = client.get(f"{API}/tweets/{parent.pk}/replies?limit=2")
    rest = client.get(first.json()["next"])

    assert ids(first) == [replies[2].pk, replies[1].pk]
    assert ids(rest) == [replies[0].pk]
    assert rest.json()["next"] is None


def test_context_gives_ancestors_tweet_and_replies_continued_by_the_replies_endpoint(alice, bob):
    root = post(alice, "root")
    middle = post(bob, "middle @alice", reply_to_id=root.pk)
    leaf = post(alice, "leaf", reply_to_id=middle.pk)
    answers = [post(bob, f"answer {n}", reply_to_id=leaf.pk) for n in range(3)]
    client = client_for()

    body = client.get(f"{API}/tweets/{leaf.pk}/context?limit=2").json()

    assert [t["id"] for t in body["ancestors"]] == [root.pk, middle.pk]
    assert body["ancestors"][1]["mentions"] == ["alice"]
    assert body["tweet"]["id"] == leaf.pk
    assert [t["id"] for t in body["replies"]["results"]] == [answers[2].pk, answers[1].pk]
    assert f"/api/v1/tweets/{leaf.pk}/replies?" in body["replies"]["next"]
    assert ids(client.get(body["replies"]["next"])) == [answers[0].pk]


def test_context_leaves_out_ancestors_the_viewer_may_not_see(alice, bob):
    secret_author = user_create(privacy=Privacy.PRIVATE)
    follow_approved(bob, secret_author)
    root = post(alice, "root")
    hidden = post(secret_author, "psst", reply_to_id=root.pk)
    leaf = post(bob, "leaf", reply_to_id=hidden.pk)

    body = client_for().get(f"{API}/tweets/{leaf.pk}/context").json()

    assert [t["id"] for t in body["ancestors"]] == [root.pk]
    assert "psst" not in json.dumps(body)


def test_replies_and_context_of_an_unseen_tweet_are_404(bob):
    tweet = post(user_create(privacy=Privacy.PRIVATE))

    for path in ("replies", "context"):
        assert client_for(bob).get(f"{API}/tweets/{tweet.pk}/{path}").status_code == 404


# Likes and retweets.


def test_like_and_unlike_answer_the_new_counts(alice, bob):
    tweet = post(bob)
    client = client_for(alice)

    liked = client.post(f"{API}/tweets/{tweet.pk}/like")
    again = client.post(f"{API}/tweets/{tweet.pk}/like")
    unliked = client.delete(f"{API}/tweets/{tweet.pk}/like")

    assert liked.status_code == 200
    assert liked.json() == {"like_count": 1, "retweet_count": 0, "reply_count": 0}
    assert again.json()["like_count"] == 1
    assert unliked.json()["like_count"] == 0
    assert not Like.objects.exists()


def test_retweet_and_undo_answer_the_new_counts(alice, bob):
    tweet = post(bob)
    client = client_for(alice)

    retweeted = client.post(f"{API}/tweets/{tweet.pk}/retweet")
    undone = client.delete(f"{API}/tweets/{tweet.pk}/retweet")

    assert retweeted.status_code == 200 and retweeted.json()["retweet_count"] == 1
    assert undone.status_code == 200 and undone.json()["retweet_count"] == 0
    assert not Tweet.objects.filter(user=alice).exists()


def test_liking_a_plain_retweet_likes_its_original(alice, bob):
    original = post(bob)
    retweet_create(user=alice, tweet_id=original.pk)
    retweet = Tweet.objects.get(user=alice, original_tweet=original)

    response = client_for(user_create()).post(f"{API}/tweets/{retweet.pk}/like")

    assert response.json()["like_count"] == 1
    assert Like.objects.get().tweet_id == original.pk


def test_retweeting_a_protected_tweet_is_400_and_writes_nothing(alice):
    owner = user_create(privacy=Privacy.PROTECTED)
    follow_approved(alice, owner)
    tweet = post(owner)

    response = client_for(alice).post(f"{API}/tweets/{tweet.pk}/retweet")

    assert response.status_code == 400
    assert response.json() == {
        "tweet": ["Tweets from protected or private accounts cannot be retweeted or quoted."]
    }
    assert not Tweet.objects.filter(user=alice).exists()


@pytest.mark.parametrize("method", ["post", "delete"])
@pytest.mark.parametrize("action", ["like", "retweet"])
def test_like_and_retweet_of_an_unseen_tweet_are_404(bob, method, action):
    tweet = post(user_create(privacy=Privacy.PRIVATE))

    response = getattr(client_for(bob), method)(f"{API}/tweets/{tweet.pk}/{action}")

    assert response.status_code == 404
    assert not Like.objects.exists()
    assert Tweet.objects.count() == 1


# Privacy of single tweets (DESIGN "Privacy").


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_protected_and_private_tweets_only_for_approved_followers_and_the_owner(privacy):
    owner = user_create(privacy=privacy)
    follower, requester, stranger = user_create(), user_create(), user_create()
    follow_approved(follower, owner)
    follow_create(follower=requester, followee=owner)  # pending
    tweet = post(owner)
    url = f"{API}/tweets/{tweet.pk}"

    assert client_for(owner).get(url).status_code == 200
    assert client_for(follower).get(url).status_code == 200
    for viewer in (None, stranger, requester, user_create(is_staff=True)):
        assert client_for(viewer).get(url).status_code == 404


def test_blocked_either_way_is_404(alice, bob):
    tweet = post(alice)
    block_create(blocker=alice, blocked=bob)
    blocker_tweet = post(bob)

    assert client_for(bob).get(f"{API}/tweets/{tweet.pk}").status_code == 404
    assert client_for(alice).get(f"{API}/tweets/{blocker_tweet.pk}").status_code == 404
    assert client_for().get(f"{API}/tweets/{tweet.pk}").status_code == 200


def test_hidden_tweets_are_seen_by_their_author_and_staff_only(alice, bob):
    tweet = post(alice)
    Tweet.objects.filter(pk=tweet.pk).update(is_hidden=True)  # moderation has no service yet
    url = f"{API}/tweets/{tweet.pk}"

    assert client_for(alice).get(url).status_code == 200
    assert client_for(user_create(is_staff=True)).get(url).status_code == 200
    assert client_for(bob).get(url).status_code == 404
    assert client_for().get(url).status_code == 404


def test_suspended_authors_tweets_are_404_except_for_staff(alice):
    tweet = post(alice)
    user_set_active(user=alice, active=False)

    assert client_for().get(f"{API}/tweets/{tweet.pk}").status_code == 404
    staff = client_for(user_create(is_staff=True))
    assert staff.get(f"{API}/tweets/{tweet.pk}").status_code == 200


def test_a_quote_of_a_tweet_protected_since_shows_it_as_null(alice, bob):
    owner = user_create()
    quote = post(alice, "public words", quote_of_id=post(owner, "secret words").pk)
    privacy_set(user=owner, privacy=Privacy.PROTECTED)  # hides its past tweets at once

    body = client_for(bob).get(f"{API}/tweets/{quote.pk}").json()

    assert body["quote_of"] is None
    assert "secret words" not in json.dumps(body)


# Authentication.


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/tweets"),
        ("delete", "/tweets/{pk}"),
        ("post", "/tweets/{pk}/like"),
        ("delete", "/tweets/{pk}/like"),
        ("post", "/tweets/{pk}/retweet"),
        ("delete", "/tweets/{pk}/retweet"),
        ("get", "/timeline/home"),
    ],
)
def test_writes_and_the_home_timeline_need_a_token(alice, method, path):
    tweet = post(alice)

    response = getattr(APIClient(), method)(API + path.format(pk=tweet.pk))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert Tweet.objects.count() == 1
    assert not Like.objects.exists()


def test_a_bad_token_is_401_even_for_reads(alice):
    tweet = post(alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert client.get(f"{API}/tweets/{tweet.pk}").status_code == 401


def test_posting_is_throttled_with_retry_after(alice, settings):
    cache.clear()
    settings.API_THROTTLING = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "post": "2/h",
        },
    }
    client = client_for(alice)

    statuses = [post_json(client, f"{API}/tweets", {"content": "x"}).status_code for _ in "abc"]
    throttled = post_json(client, f"{API}/tweets", {"content": "x"})

    assert statuses == [201, 201, 429]
    assert int(throttled["Retry-After"]) > 0
    assert Tweet.objects.count() == 2
    cache.clear()


# Timelines and hashtags.


def test_home_timeline_shows_own_and_followed_tweets(alice, bob):
    follow_create(follower=alice, followee=bob)
    stranger_tweet = post(user_create())
    mine, theirs = post(alice), post(bob, "hey @alice")

    response = client_for(alice).get(f"{API}/timeline/home")

    assert ids(response) == [theirs.pk, mine.pk]
    assert stranger_tweet.pk not in ids(response)
    assert response.json()["results"][0]["mentions"] == ["alice"]


def test_home_timeline_pages_with_next(alice):
    tweets = [post(alice) for _ in range(5)]
    client = client_for(alice)

    first = client.get(f"{API}/timeline/home?limit=3")
    rest = client.get(first.json()["next"])

    assert ids(first) + ids(rest) == [t.pk for t in reversed(tweets)]
    assert rest.json()["next"] is None


def test_user_tweets_leave_out_replies_unless_asked(alice, bob):
    parent = post(bob)
    tweet = post(alice)
    reply = post(alice, "re", reply_to_id=parent.pk)
    client = client_for()

    assert ids(client.get(f"{API}/users/alice/tweets")) == [tweet.pk]
    assert ids(client.get(f"{API}/users/ALICE/tweets?replies=true")) == [reply.pk, tweet.pk]


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_user_tweets_of_a_locked_account_are_404_except_for_followers(privacy, alice):
    owner = user_create(username="locked", privacy=privacy)
    follow_approved(alice, owner)
    tweet = post(owner)

    assert client_for().get(f"{API}/users/locked/tweets").status_code == 404
    assert client_for(user_create()).get(f"{API}/users/locked/tweets").status_code == 404
    assert ids(client_for(alice).get(f"{API}/users/locked/tweets")) == [tweet.pk]
    assert ids(client_for(owner).get(f"{API}/users/locked/tweets")) == [tweet.pk]


def test_user_tweets_of_blocked_suspended_and_missing_accounts_are_404(alice, bob):
    post(alice)
    block_create(blocker=alice, blocked=bob)
    suspended = user_create(username="gone")
    user_set_active(user=suspended, active=False)

    assert client_for(bob).get(f"{API}/users/alice/tweets").status_code == 404
    assert client_for(alice).get(f"{API}/users/bob/tweets").status_code == 404
    assert client_for().get(f"{API}/users/gone/tweets").status_code == 404
    assert client_for().get(f"{API}/users/nobody/tweets").status_code == 404


def test_hashtag_page_lists_visible_tweets_any_case(alice):
    private = user_create(privacy=Privacy.PRIVATE)
    tweets = [post(alice, f"#Py{'THON' if n else 'thon'} {n}") for n in range(3)]
    post(private, "#python secret")
    client = client_for()

    first = client.get(f"{API}/hashtags/PYTHON?limit=2")
    rest = client.get(first.json()["next"])

    assert ids(first) + ids(rest) == [t.pk for t in reversed(tweets)]
    assert "secret" not in json.dumps(first.json()) + json.dumps(rest.json())


def test_private_tweets_on_a_hashtag_page_only_for_followers(alice):
    private = user_create(privacy=Privacy.PRIVATE)
    follow_approved(alice, private)
    tweet = post(private, "#club")

    assert ids(client_for().get(f"{API}/hashtags/club")) == []
    assert ids(client_for(alice).get(f"{API}/hashtags/club")) == [tweet.pk]


def test_trending_counts_distinct_public_authors(alice, bob):
    post(alice, "#rising")
    post(bob, "#rising again")
    post(bob, "#rising and again")
    post(user_create(privacy=Privacy.PRIVATE), "#hush")

    response = client_for().get(f"{API}/hashtags/trending")

    assert response.status_code == 200
    results = response.json()["results"]
    assert {"tag": "rising", "authors": 2, "authors_before": 0} in results
    assert all(row["tag"] != "hush" for row in results)


# Bad input: a clear 400 or 404, never a 500, and nothing written.

TOO_LONG = "x" * 281
BAD_BODIES = [
    ({"content": 5}, "content"),
    ({"content": True}, "content"),
    ({"content": None}, "content"),
    ({"content": ["a"]}, "content"),
    ({"content": {"a": 1}}, "content"),
    ({}, "content"),
    ({"content": ""}, "content"),
    ({"content": "   \n"}, "content"),
    ({"content": "nul\x00byte"}, "content"),
    ({"content": TOO_LONG}, "content"),
    ({"content": "ok", "media_urls": ["https://e.com/1.png"] * 5}, "media_urls"),
    ({"content": "ok", "media_urls": ["javascript:alert(1)"]}, "media_urls"),
    ({"content": "ok", "media_urls": ["ftp://e.com/a.png"]}, "media_urls"),
    ({"content": "ok", "media_urls": ["https://e.com/\x00"]}, "media_urls"),
    ({"content": "ok", "media_urls": ["https://e.com/" + "a" * 2000]}, "media_urls"),
    ({"content": "ok", "media_urls": "https://e.com/a.png"}, "media_urls"),
    ({"content": "ok", "media_urls": [1]}, "media_urls"),
    ({"content": "ok", "media_urls": [None]}, "media_urls"),
    ({"content": "ok", "reply_to_id": "1"}, "reply_to_id"),
    ({"content": "ok", "reply_to_id": 1.5}, "reply_to_id"),
    ({"content": "ok", "reply_to_id": True}, "reply_to_id"),
    ({"content": "ok", "reply_to_id": 0}, "reply_to_id"),
    ({"content": "ok", "reply_to_id": -1}, "reply_to_id"),
    ({"content": "ok", "reply_to_id": BIGINT_MAX + 1}, "reply_to_id"),
    ({"content": "ok", "reply_to_id": 10**40}, "reply_to_id"),
    ({"content": "ok", "reply_to_id": BIGINT_MAX}, "reply_to_id"),
    ({"content": "ok", "quote_of_id": BIGINT_MAX + 1}, "quote_of_id"),
    ({"content": "ok", "quote_of_id": [1]}, "quote_of_id"),
    (["content"], "non_field_errors"),
    ("content", "non_field_errors"),
    (42, "non_field_errors"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES, ids=lambda v: repr(v)[:40])
def test_bad_tweet_bodies_are_400_on_the_field_and_write_nothing(alice, body, field):
    response = post_json(client_for(alice), f"{API}/tweets", body)

    assert response.status_code == 400
    assert field in response.json()
    assert all(isinstance(m, str) and m for m in response.json()[field])
    assert not Tweet.objects.exists()


def test_bad_tweet_messages_are_clear(alice):
    client = client_for(alice)

    def errors(body):
        return post_json(client, f"{API}/tweets", body).json()

    assert errors({"content": TOO_LONG}) == {"content": [CONTENT_TOO_LONG]}
    assert errors({"content": "a", "media_urls": ["https://e.com/a"] * 5}) == {
        "media_urls": [MEDIA_TOO_MANY]
    }
    assert errors({"content": "a", "media_urls": ["javascript:alert(1)"]}) == {
        "media_urls": [MEDIA_URL_INVALID]
    }
    assert errors({"content": "a\x00"}) == {"content": ["Null characters are not allowed."]}
    assert errors({"content": "ok", "reply_to_id": BIGINT_MAX + 1}) == {
        "reply_to_id": [f"Ensure this value is less than or equal to {BIGINT_MAX}."]
    }


@pytest.mark.parametrize(
    "raw",
    ['{"content": "x"', "not json", '{"content": NaN}', "", '{"content": "\\ud800"}'],
)
def test_malformed_json_is_400_and_writes_nothing(alice, raw):
    response = client_for(alice).post(f"{API}/tweets", raw, content_type="application/json")

    assert response.status_code == 400
    assert not Tweet.objects.exists()


def test_a_form_body_is_415(alice):
    response = client_for(alice).post(f"{API}/tweets", {"content": "x"}, format="multipart")

    assert response.status_code == 415
    assert not Tweet.objects.exists()


BAD_IDS = [str(BIGINT_MAX + 1), "9" * 20, "9" * 400, "0", "-1", "abc", "1.5", "1e3", "%00"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("delete", ""),
        ("get", "/replies"),
        ("get", "/context"),
        ("post", "/like"),
        ("delete", "/like"),
        ("post", "/retweet"),
        ("delete", "/retweet"),
    ],
)
def test_path_ids_that_cannot_exist_are_404(alice, bad_id, method, suffix):
    response = getattr(client_for(alice), method)(f"{API}/tweets/{bad_id}{suffix}")

    assert response.status_code == 404


LIST_URLS = [
    "/timeline/home",
    "/users/alice/tweets",
    "/hashtags/python",
    "/tweets/{pk}/replies",
    "/tweets/{pk}/context",
]
BAD_PAGE_PARAMS = [
    ("limit=0", "limit"),
    ("limit=-1", "limit"),
    ("limit=101", "limit"),
    ("limit=abc", "limit"),
    ("limit=1.5", "limit"),
    ("cursor=garbage", "cursor"),
    ("cursor=" + "a" * 1001, "cursor"),
    ("cursor=%00", "cursor"),
]


@pytest.mark.parametrize(("query", "field"), BAD_PAGE_PARAMS)
@pytest.mark.parametrize("url", LIST_URLS)
def test_bad_page_parameters_are_400(alice, url, query, field):
    tweet = post(alice)

    response = client_for(alice).get(API + url.format(pk=tweet.pk) + "?" + query)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("url", LIST_URLS)
def test_a_tampered_cursor_is_400(alice, url):
    for _ in range(3):
        post(alice, "#python", reply_to_id=None)
    parent = post(alice)
    for _ in range(3):
        post(alice, "re #python", reply_to_id=parent.pk)
    client = client_for(alice)
    path = API + url.format(pk=parent.pk)
    joiner = "&" if "?" in path else "?"
    first = client.get(f"{path}{joiner}limit=1&replies=true").json()
    cursor = (first.get("replies") or first)["next"].split("cursor=")[1].split("&")[0]

    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    response = client.get(f"{path}{joiner}cursor={tampered}")

    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid or expired cursor."]}


def test_a_bad_replies_flag_is_400(alice):
    response = client_for().get(f"{API}/users/alice/tweets?replies=maybe")

    assert response.status_code == 400
    assert "replies" in response.json()


@pytest.mark.parametrize("tag", ["%00", "a" * 500, "%F0%9F%98%80", "has%20space", "%23python"])
def test_odd_hashtags_are_an_empty_page_or_a_match(alice, tag):
    tweet = post(alice, "#python")

    response = client_for().get(f"{API}/hashtags/{tag}")

    assert response.status_code == 200
    assert ids(response) == ([tweet.pk] if tag == "%23python" else [])


# Query counts do not grow with the page (STYLE: pinned on every list endpoint).


def _fill(author, count, mention, **extra):
    return [post(author, f"tweet {n} @{mention.username} #counted", **extra) for n in range(count)]


@pytest.mark.parametrize("count", [1, 30])
def test_home_timeline_queries_do_not_grow_with_the_page(
    alice, bob, count, django_assert_num_queries
):
    follow_create(follower=alice, followee=bob)
    _fill(bob, count, alice)
    client = client_for(alice)
    timeline_rebuild(owner_id=alice.pk)  # a built timeline: the common read is what is pinned

    # Token, timeline keys, tweets with their mentions' usernames (read under the rule).
    with django_assert_num_queries(3):
        response = client.get(f"{API}/timeline/home?limit=30")
    assert len(ids(response)) == count


@pytest.mark.parametrize("count", [1, 30])
def test_user_tweets_queries_do_not_grow_with_the_page(
    alice, bob, count, django_assert_num_queries
):
    _fill(alice, count, bob)
    client = client_for(bob)

    # Token, user, content visible, tweet keys, tweets (and mentions) through the rule.
    with django_assert_num_queries(5):
        response = client.get(f"{API}/users/alice/tweets?limit=30")
    assert len(ids(response)) == count


@pytest.mark.parametrize("count", [1, 30])
def test_hashtag_queries_do_not_grow_with_the_page(alice, bob, count, django_assert_num_queries):
    _fill(alice, count, bob)
    client = client_for(bob)

    # Token, tweets with their mentions' usernames.
    with django_assert_num_queries(2):
        response = client.get(f"{API}/hashtags/counted?limit=30")
    assert len(ids(response)) == count


@pytest.mark.parametrize("count", [1, 30])
def test_replies_and_context_queries_do_not_grow_with_the_page(
    alice, bob, count, django_assert_num_queries
):
    parent = post(alice, "a reply", reply_to_id=post(alice).pk)
    _fill(bob, count, alice, reply_to_id=parent.pk)
    client = client_for(bob)

    # Token, parent, replies (with their mentions' usernames).
    with django_assert_num_queries(3):
        assert len(ids(client.get(f"{API}/tweets/{parent.pk}/replies?limit=30"))) == count
    # Token, tweet, ancestor ids, ancestors, replies (each with its mentions' usernames).
    with django_assert_num_queries(5):
        client.get(f"{API}/tweets/{parent.pk}/context?limit=30")

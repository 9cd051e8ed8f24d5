"""Bookmarks: the services, the list through the rule, privacy, the API and the pages."""

import pytest
from django.urls import reverse

from accounts.models import Privacy
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social.services import (
    FollowStatus,
    block_create,
    block_delete,
    follow_create,
    follow_request_approve,
    follower_remove,
    privacy_set,
)
from tweets.models import Bookmark, Tweet
from tweets.selectors import bookmarks_list, tweet_get_visible
from tweets.services import (
    bookmark_create,
    bookmark_delete,
    retweet_create,
    tweet_delete,
    tweet_set_hidden,
)
from tweets.tests.factories import post
from twitterclone.tests.api_helpers import bearer_client

pytestmark = pytest.mark.django_db

API = "/api/v1"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


def _ids(page) -> list[int]:
    return [tweet.pk for tweet in page.items]


# Services


def test_bookmark_create_is_idempotent_and_delete_too():
    reader, author = user_create(), user_create()
    tweet = post(author, "keep this")

    assert bookmark_create(user=reader, tweet_id=tweet.pk) == tweet.pk
    assert bookmark_create(user=reader, tweet_id=tweet.pk) == tweet.pk
    assert Bookmark.objects.filter(user=reader, tweet=tweet).count() == 1

    assert bookmark_delete(user=reader, tweet_id=tweet.pk) == tweet.pk
    assert bookmark_delete(user=reader, tweet_id=tweet.pk) == tweet.pk
    assert not Bookmark.objects.exists()


def test_bookmarking_a_plain_retweet_bookmarks_its_original():
    reader, author, amplifier = user_create(), user_create(), user_create()
    original = post(author, "original")
    retweet_create(user=amplifier, tweet_id=original.pk)
    retweet = Tweet.objects.get(user=amplifier, original_tweet=original, content="")

    assert bookmark_create(user=reader, tweet_id=retweet.pk) == original.pk
    assert list(Bookmark.objects.values_list("tweet_id", flat=True)) == [original.pk]
    assert tweet_get_visible(viewer=reader, tweet_id=retweet.pk).viewer_bookmarked
    bookmark_delete(user=reader, tweet_id=retweet.pk)
    assert not Bookmark.objects.exists()


@pytest.mark.parametrize("why", ["missing", "protected", "blocked", "hidden", "suspended"])
def test_bookmark_of_an_unseen_tweet_is_does_not_exist_and_writes_nothing(why):
    reader, author = user_create(), user_create()
    tweet = post(author, "not for you")
    tweet_id = tweet.pk
    if why == "missing":
        tweet_id = tweet.pk + 1000
    elif why == "protected":
        privacy_set(user=author, privacy=Privacy.PROTECTED)
    elif why == "blocked":
        block_create(blocker=author, blocked=reader)
    elif why == "hidden":
        tweet_set_hidden(tweet=tweet, hidden=True)
    else:
        user_set_active(user=author, active=False)

    with pytest.raises(Tweet.DoesNotExist):
        bookmark_create(user=reader, tweet_id=tweet_id)
    with pytest.raises(Tweet.DoesNotExist):
        bookmark_delete(user=reader, tweet_id=tweet_id)
    assert not Bookmark.objects.exists()


def test_deleting_a_tweet_deletes_its_bookmarks():
    reader, author = user_create(), user_create()
    tweet = post(author)
    bookmark_create(user=reader, tweet_id=tweet.pk)

    tweet_delete(tweet=tweet, actor=author)

    assert not Bookmark.objects.exists()
    assert bookmarks_list(viewer=reader).items == []


# The list


def test_bookmarks_list_is_newest_bookmark_first_and_pages_without_gaps():
    reader, author = user_create(), user_create()
    tweets = [post(author, f"tweet {n}") for n in range(5)]
    for tweet in (tweets[2], tweets[0], tweets[4], tweets[1], tweets[3]):
        bookmark_create(user=reader, tweet_id=tweet.pk)
    expected = [tweets[3].pk, tweets[1].pk, tweets[4].pk, tweets[0].pk, tweets[2].pk]

    first = bookmarks_list(viewer=reader, limit=2)
    second = bookmarks_list(viewer=reader, cursor=first.next_cursor, limit=2)
    third = bookmarks_list(viewer=reader, cursor=second.next_cursor, limit=2)

    assert _ids(first) + _ids(second) + _ids(third) == expected
    assert third.next_cursor is None
    assert all(tweet.viewer_bookmarked for tweet in first.items)


def test_bookmarks_list_is_empty_signed_out(anonymous):
    assert bookmarks_list(viewer=anonymous).items == []


def test_bookmarks_list_shows_only_the_viewers_own():
    reader, other, author = user_create(), user_create(), user_create()
    mine, theirs = post(author, "mine"), post(author, "theirs")
    bookmark_create(user=reader, tweet_id=mine.pk)
    bookmark_create(user=other, tweet_id=theirs.pk)

    assert _ids(bookmarks_list(viewer=reader)) == [mine.pk]
    assert _ids(bookmarks_list(viewer=other)) == [theirs.pk]


def test_protected_tweet_bookmark_vanishes_when_the_follower_is_removed_and_returns():
    author = user_create(privacy=Privacy.PROTECTED)
    follower = user_create()
    assert follow_create(follower=follower, followee=author) == FollowStatus.REQUESTED
    follow_request_approve(owner=author, requester=follower)
    tweet = post(author, "for my followers")
    bookmark_create(user=follower, tweet_id=tweet.pk)
    assert _ids(bookmarks_list(viewer=follower)) == [tweet.pk]

    follower_remove(user=author, follower=follower)
    assert bookmarks_list(viewer=follower).items == []
    assert Bookmark.objects.filter(user=follower).exists()  # kept, only hidden

    assert follow_create(follower=follower, followee=author) == FollowStatus.REQUESTED
    assert bookmarks_list(viewer=follower).items == []  # a pending request shows nothing
    follow_request_approve(owner=author, requester=follower)
    assert _ids(bookmarks_list(viewer=follower)) == [tweet.pk]


def test_bookmark_vanishes_while_the_author_blocks_the_reader_and_returns_after():
    reader, author = user_create(), user_create()
    tweet = post(author)
    bookmark_create(user=reader, tweet_id=tweet.pk)

    block_create(blocker=author, blocked=reader)
    assert bookmarks_list(viewer=reader).items == []
    block_delete(blocker=author, blocked=reader)
    assert _ids(bookmarks_list(viewer=reader)) == [tweet.pk]


def test_bookmark_of_a_hidden_tweet_vanishes_until_unhidden():
    reader, author = user_create(), user_create()
    tweet = post(author)
    bookmark_create(user=reader, tweet_id=tweet.pk)

    tweet_set_hidden(tweet=tweet, hidden=True)
    assert bookmarks_list(viewer=reader).items == []
    tweet_set_hidden(tweet=tweet, hidden=False)
    assert _ids(bookmarks_list(viewer=reader)) == [tweet.pk]


def test_a_page_of_hidden_bookmarks_still_reaches_the_visible_ones_behind_it():
    reader, visible_author, hiding_author = user_create(), user_create(), user_create()
    old = post(visible_author, "old but visible")
    bookmark_create(user=reader, tweet_id=old.pk)
    for _ in range(5):
        bookmark_create(user=reader, tweet_id=post(hiding_author).pk)
    block_create(blocker=hiding_author, blocked=reader)

    page = bookmarks_list(viewer=reader, limit=2)

    assert _ids(page) == [old.pk]
    assert page.next_cursor is None


# Privacy: a bookmark is its owner's only (the viewer kinds of twitterclone/tests/privacy_table).

VIEWER_KINDS = ["anonymous", "stranger", "requester", "follower", "author", "blocked", "staff"]


def _viewer(kind: str, author):
    if kind == "anonymous":
        return None
    if kind == "author":
        return author
    viewer = user_create(is_staff=kind == "staff")
    if kind == "follower":
        follow_create(follower=viewer, followee=author)
    if kind == "blocked":
        block_create(blocker=author, blocked=viewer)
    return viewer


@pytest.mark.parametrize("kind", VIEWER_KINDS)
@pytest.mark.parametrize("privacy", [Privacy.PUBLIC, Privacy.PROTECTED])
def test_nobody_else_learns_of_a_bookmark(client, kind, privacy):
    author, collector = user_create(), user_create()
    follow_create(follower=collector, followee=author)
    tweet = post(author, "bookmarked by the collector")
    bookmark_create(user=collector, tweet_id=tweet.pk)
    viewer = _viewer(kind, author)
    if kind == "requester":
        privacy_set(user=author, privacy=Privacy.PROTECTED)
        follow_create(follower=viewer, followee=author)
    privacy_set(user=author, privacy=privacy)
    may_see = kind not in ("blocked",) and (
        privacy == Privacy.PUBLIC or kind in ("follower", "author")
    )

    api = bearer_client(user=viewer) if viewer else client
    answer = api.get(f"{API}/tweets/{tweet.pk}")
    assert answer.status_code == (200 if may_see else 404)
    if may_see:
        assert answer.json()["bookmarked"] is False
    if viewer is not None:
        assert api.get(f"{API}/me/bookmarks").json() == {"results": [], "next": None}
        client.force_login(viewer)
        assert "bookmarked by the collector" not in client.get(reverse("bookmarks")).text
        assert 'aria-pressed="true"' not in client.get(reverse("explore")).text
    else:
        assert api.get(f"{API}/me/bookmarks").status_code == 401
    collector_answer = bearer_client(user=collector).get(f"{API}/tweets/{tweet.pk}").json()
    assert collector_answer["bookmarked"] is True


# API


def test_api_bookmark_post_and_delete_answer_the_state():
    reader, author = user_create(), user_create()
    tweet = post(author)
    api = bearer_client(user=reader)
    url = f"{API}/tweets/{tweet.pk}/bookmark"

    assert api.post(url).json() == {"tweet_id": tweet.pk, "bookmarked": True}
    assert api.post(url).json() == {"tweet_id": tweet.pk, "bookmarked": True}
    assert api.get(f"{API}/tweets/{tweet.pk}").json()["bookmarked"] is True
    assert api.delete(url).json() == {"tweet_id": tweet.pk, "bookmarked": False}
    assert api.delete(url).status_code == 200
    assert not Bookmark.objects.exists()


def test_api_bookmark_of_a_retweet_answers_the_originals_id():
    reader, author, amplifier = user_create(), user_create(), user_create()
    original = post(author)
    retweet_create(user=amplifier, tweet_id=original.pk)
    retweet = Tweet.objects.get(user=amplifier, original_tweet=original)

    answer = bearer_client(user=reader).post(f"{API}/tweets/{retweet.pk}/bookmark")

    assert answer.json() == {"tweet_id": original.pk, "bookmarked": True}


@pytest.mark.parametrize("method", ["post", "delete"])
def test_api_bookmark_of_an_unseen_or_missing_tweet_is_404(method):
    reader, author = user_create(), user_create(privacy=Privacy.PROTECTED)
    hidden = post(author)
    api = bearer_client(user=reader)

    for tweet_id in (hidden.pk, hidden.pk + 1000):
        answer = getattr(api, method)(f"{API}/tweets/{tweet_id}/bookmark")
        assert answer.status_code == 404
        assert answer.json() == {"detail": "Not found."}
    assert not Bookmark.objects.exists()


def test_api_bookmarks_need_a_signed_in_user(client):
    tweet = post(user_create())

    assert client.post(f"{API}/tweets/{tweet.pk}/bookmark").status_code == 401
    assert client.get(f"{API}/me/bookmarks").status_code == 401
    assert not Bookmark.objects.exists()


def test_api_me_bookmarks_pages_with_next_links():
    reader, author = user_create(), user_create()
    tweets = [post(author, f"t{n}") for n in range(3)]
    for tweet in tweets:
        bookmark_create(user=reader, tweet_id=tweet.pk)
    api = bearer_client(user=reader)

    first = api.get(f"{API}/me/bookmarks?limit=2").json()
    second = api.get(first["next"]).json()

    assert [t["id"] for t in first["results"]] == [tweets[2].pk, tweets[1].pk]
    assert [t["id"] for t in second["results"]] == [tweets[0].pk]
    assert second["next"] is None
    assert all(t["bookmarked"] for t in first["results"] + second["results"])


@pytest.mark.parametrize(
    "query, field",
    [("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"), ("cursor=zzz", "cursor")],
)
def test_api_me_bookmarks_bad_page_parameters_are_400(query, field):
    answer = bearer_client(user=user_create()).get(f"{API}/me/bookmarks?{query}")

    assert answer.status_code == 400
    assert list(answer.json()) == [field]


def test_api_me_bookmarks_refuses_another_lists_cursor():
    reader, author = user_create(), user_create()
    for _ in range(3):
        post(author)
    api = bearer_client(user=reader)
    other_next = api.get(f"{API}/users/{author.username}/tweets?limit=1").json()["next"]
    cursor = other_next.split("cursor=")[1]

    answer = api.get(f"{API}/me/bookmarks?cursor={cursor}")

    assert answer.status_code == 400


@pytest.mark.parametrize("count", [1, 20])
def test_api_me_bookmarks_queries_do_not_grow_with_the_page(count, django_assert_num_queries):
    reader, author = user_create(), user_create()
    for n in range(count):
        bookmark_create(user=reader, tweet_id=post(author, f"#tag @{reader.username} {n}").pk)
    api = bearer_client(user=reader)

    # The token, the keys, the page statement.
    with django_assert_num_queries(3):
        assert len(api.get(f"{API}/me/bookmarks").json()["results"]) == count


# Pages


def test_bookmark_button_toggles_without_javascript(client):
    reader, author = user_create(), user_create()
    tweet = post(author, "a tweet")
    client.force_login(reader)
    url = reverse("bookmark", kwargs={"pk": tweet.pk})

    response = client.post(url, {"next": "/explore"})
    assert response.status_code == 302 and response["Location"] == "/explore"
    assert Bookmark.objects.filter(user=reader, tweet=tweet).exists()
    page = client.get(reverse("explore")).text
    assert 'name="action" value="remove"' in page and "Remove bookmark" in page

    client.post(url, {"action": "remove", "next": "/explore"})
    assert not Bookmark.objects.exists()


def test_bookmark_button_with_htmx_answers_the_action_bar_pressed(client):
    reader, author = user_create(), user_create()
    tweet = post(author)
    client.force_login(reader)

    response = client.post(reverse("bookmark", kwargs={"pk": tweet.pk}), **HX)

    assert response.status_code == 200
    body = response.text
    assert body.startswith('<footer class="actions">')
    assert 'class="act act-bookmark on" aria-pressed="true"' in body
    assert "Remove bookmark" in body
    assert "HX-Request" in response["Vary"]


def test_bookmark_button_is_for_signed_in_viewers_only(client):
    tweet = post(user_create())

    assert "act-bookmark" not in client.get(reverse("explore")).text
    response = client.post(reverse("bookmark", kwargs={"pk": tweet.pk}))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not Bookmark.objects.exists()


def test_bookmark_button_on_an_unseen_tweet_is_404(client):
    reader = user_create()
    tweet = post(user_create(privacy=Privacy.PRIVATE))
    client.force_login(reader)

    assert client.post(reverse("bookmark", kwargs={"pk": tweet.pk})).status_code == 404
    assert client.post(reverse("bookmark", kwargs={"pk": tweet.pk + 99})).status_code == 404
    assert not Bookmark.objects.exists()


def test_bookmarks_page_lists_own_bookmarks_and_needs_sign_in(client):
    reader, author = user_create(), user_create()
    tweet = post(author, "worth keeping")

    assert "/login" in client.get(reverse("bookmarks"))["Location"]
    client.force_login(reader)
    assert "bookmarked any tweets yet" in client.get(reverse("bookmarks")).text
    bookmark_create(user=reader, tweet_id=tweet.pk)
    page = client.get(reverse("bookmarks")).text
    assert "worth keeping" in page
    assert 'href="/bookmarks" aria-current="page"' in page


def test_bookmarks_page_bad_cursor_is_404(client):
    client.force_login(user_create())

    assert client.get(reverse("bookmarks"), {"cursor": "zzz"}).status_code == 404


def test_bookmarks_nav_link_only_signed_in(client):
    assert 'href="/bookmarks"' not in client.get(reverse("explore")).text
    client.force_login(user_create())
    assert 'href="/bookmarks"' in client.get(reverse("explore")).text


def test_bookmarks_page_loads_more_with_htmx(client):
    reader, author = user_create(), user_create()
    for n in range(25):
        bookmark_create(user=reader, tweet_id=post(author, f"kept {n}").pk)
    client.force_login(reader)

    first = client.get(reverse("bookmarks")).text
    assert first.count("data-tweet-id=") == 20
    more = first.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    fragment = client.get(more, **HX).text

    assert fragment.count("data-tweet-id=") == 5
    assert "<html" not in fragment


@pytest.mark.parametrize("count", [1, 20])
def test_bookmarks_page_costs_constant_queries(client, count, django_assert_num_queries):
    reader, author = user_create(), user_create()
    follow_create(follower=user_create(), followee=author)  # so the aside suggests the author
    for n in range(count):
        bookmark_create(user=reader, tweet_id=post(author, f"kept {n}").pk)
    client.force_login(reader)
    client.get(reverse("bookmarks"))  # the aside's suggestions are computed once, then cached

    # Session, user, the keys, the page statement, the aside's suggestions (cached ids), the
    # nav's unread badge (notifications).
    with django_assert_num_queries(6):
        response = client.get(reverse("bookmarks"))
    assert response.text.count("data-tweet-id=") == count
    assert "Who to follow" in response.text

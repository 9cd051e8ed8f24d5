"""HTML pages (home, tweet, follow, like), driven through Django's test client.

The profile pages over the privacy table are in accounts/tests/test_views_profile.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Privacy, User
from accounts.services import user_update_profile
from accounts.tests.factories import user_create
from social.models import FollowRequest, UserFollowers, UserFollows
from social.services import block_create, follow_create, follow_request_approve, privacy_set
from tweets.models import MAX_CONTENT_LENGTH, Like, Tweet
from tweets.services import (
    CONTENT_REQUIRED,
    CONTENT_TOO_LONG,
    REPLY_TO_UNAVAILABLE,
    like_create,
    retweet_create,
)
from tweets.tests.factories import committed, post

pytestmark = pytest.mark.django_db

TWEET_ARTICLE = b'<article class="tweet"'


def _profile_url(user: User) -> str:
    return reverse("profile", kwargs={"username": user.username})


def _detail_url(tweet: Tweet) -> str:
    return reverse("tweet_detail", kwargs={"username": tweet.user.username, "pk": tweet.pk})


def _follow(follower: User, followee: User) -> None:
    """Make `follower` an approved follower of `followee`, whatever its privacy."""
    follow_create(follower=follower, followee=followee)
    follow_request_approve(owner=followee, requester=follower)


# Home ------------------------------------------------------------------------------------


def test_home_shows_the_welcome_page_when_signed_out(client):
    post(user_create(username="alice"), "hello from alice")

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "tweets/welcome.html" in [t.name for t in response.templates]
    assert f'href="{reverse("signup")}"'.encode() in response.content
    assert b"hello from alice" not in response.content
    assert b'name="content"' not in response.content


def test_home_shows_own_and_followed_tweets_but_not_strangers(client):
    viewer, alice, stranger = user_create(), user_create(), user_create()
    _follow(viewer, alice)
    post(viewer, "my own words")
    post(alice, "alice speaks")
    post(stranger, "stranger speaks")
    client.force_login(viewer)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert b'name="content"' in response.content
    assert b"my own words" in response.content
    assert b"alice speaks" in response.content
    assert b"stranger speaks" not in response.content


def test_home_with_a_garbage_cursor_is_404_not_500(client):
    client.force_login(user_create())

    assert client.get(reverse("home"), {"cursor": "garbage"}).status_code == 404


def test_posting_from_home_creates_the_tweet_and_redirects(client):
    author = user_create()
    client.force_login(author)

    response = client.post(reverse("home"), {"content": "first post #hello"})

    assert response.status_code == 302
    assert response.url == reverse("home")
    tweet = Tweet.objects.get(user=author)
    assert tweet.content == "first post #hello"
    assert tweet.hashtags == ["hello"]
    author.refresh_from_db()
    assert author.tweets_count == 1
    assert b'first post <a class="hashtag" href="/hashtag/hello">#hello</a>' in (
        client.get(reverse("home")).content
    )


def test_posting_exactly_280_characters_is_accepted(client):
    author = user_create()
    client.force_login(author)
    content = "é" * (MAX_CONTENT_LENGTH - 1) + "🙂"

    response = client.post(reverse("home"), {"content": content})

    assert response.status_code == 302
    assert Tweet.objects.get(user=author).content == content


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "This field is required."),
        ("   \n\t ", CONTENT_REQUIRED),
        ("x" * 281, CONTENT_TOO_LONG),
        ("before\x00after", "Null characters are not allowed."),
    ],
    ids=["empty", "blank", "281-chars", "nul-byte"],
)
def test_posting_bad_content_shows_a_form_error_and_writes_nothing(client, content, message):
    author = user_create()
    client.force_login(author)

    response = client.post(reverse("home"), {"content": content})

    assert response.status_code == 200
    assert message in response.context["form"].errors["content"]
    assert message.replace("'", "&#x27;") in response.text
    assert not Tweet.objects.exists()
    author.refresh_from_db()
    assert author.tweets_count == 0


def test_posting_while_signed_out_writes_nothing(client):
    response = client.post(reverse("home"), {"content": "anonymous words"})

    assert response.status_code == 200
    assert not Tweet.objects.exists()


def test_replying_from_the_detail_page_creates_a_reply(client):
    alice, bob = user_create(), user_create()
    original = post(alice, "original")
    client.force_login(bob)
    detail = client.get(_detail_url(original))
    assert b'name="reply_to_id"' in detail.content

    response = client.post(reverse("home"), {"content": "a reply", "reply_to_id": original.pk})

    assert response.status_code == 302
    assert Tweet.objects.get(user=bob).reply_to_id == original.pk
    original.refresh_from_db()
    assert original.reply_count == 1


def test_replying_to_an_unseen_tweet_shows_an_error_and_writes_nothing(client):
    owner, stranger = user_create(privacy=Privacy.PROTECTED), user_create()
    hidden = post(owner, "protected words")
    client.force_login(stranger)

    response = client.post(reverse("home"), {"content": "a reply", "reply_to_id": hidden.pk})

    assert response.status_code == 200
    assert not Tweet.objects.filter(user=stranger).exists()
    assert REPLY_TO_UNAVAILABLE in response.text


# Tweet detail ----------------------------------------------------------------------------

VIEWERS = ["anonymous", "stranger", "follower", "owner"]


def _profile_world(privacy: str):
    """Return (owner, {viewer kind: user or None}) for an account with `privacy` and a tweet."""
    owner = user_create(username="owner", display_name="Owner Display")
    user_update_profile(user=owner, bio="Bio of the owner")
    post(owner, "owner tweet text")
    follower, stranger = user_create(username="fan"), user_create(username="passerby")
    _follow(follower, owner)
    privacy_set(user=owner, privacy=privacy)
    return owner, {"anonymous": None, "stranger": stranger, "follower": follower, "owner": owner}


def test_tweet_detail_shows_a_public_tweet_to_anyone(client):
    tweet = post(user_create(), "open words")

    response = client.get(_detail_url(tweet))

    assert response.status_code == 200
    assert b"open words" in response.content


@pytest.mark.parametrize("viewer", VIEWERS)
def test_tweet_detail_of_a_protected_tweet_is_404_to_strangers_only(client, viewer):
    owner, viewers = _profile_world(Privacy.PROTECTED)
    tweet = Tweet.objects.get(user=owner)
    if viewers[viewer] is not None:
        client.force_login(viewers[viewer])

    response = client.get(_detail_url(tweet))

    if viewer in ("anonymous", "stranger"):
        assert response.status_code == 404
        assert b"owner tweet text" not in response.content
    else:
        assert response.status_code == 200
        assert b"owner tweet text" in response.content


def test_tweet_detail_of_an_unknown_tweet_is_404(client):
    owner = user_create()

    assert client.get(f"/@{owner.username}/status/999999999").status_code == 404


def test_tweet_detail_under_the_wrong_username_redirects_to_the_right_one(client):
    tweet = post(user_create(), "moved")
    other = user_create()

    response = client.get(f"/@{other.username}/status/{tweet.pk}")

    assert response.status_code == 302
    assert response.url == _detail_url(tweet)


# Follow ----------------------------------------------------------------------------------


def test_follow_post_on_a_public_account_follows(client):
    follower, followee = user_create(), user_create()
    client.force_login(follower)

    response = client.post(reverse("follow", kwargs={"username": followee.username}))

    assert response.status_code == 302
    assert response.url == _profile_url(followee)
    assert UserFollows.objects.filter(follower=follower, following=followee).exists()
    assert UserFollowers.objects.filter(user=followee, follower=follower).exists()
    followee.refresh_from_db()
    assert followee.followers_count == 1
    assert b"Unfollow" in client.get(response.url).content


@pytest.mark.parametrize("privacy", [Privacy.PROTECTED, Privacy.PRIVATE])
def test_follow_post_on_a_closed_account_sends_a_request(client, privacy):
    follower, followee = user_create(), user_create(privacy=privacy)
    client.force_login(follower)

    response = client.post(reverse("follow", kwargs={"username": followee.username}))

    assert response.status_code == 302
    assert FollowRequest.objects.filter(target=followee, requester=follower).exists()
    assert not UserFollows.objects.filter(follower=follower).exists()
    assert b">Requested</button>" in client.get(response.url).content


def test_unfollow_action_removes_the_follow(client):
    follower, followee = user_create(), user_create()
    _follow(follower, followee)
    client.force_login(follower)

    client.post(reverse("follow", kwargs={"username": followee.username}), {"action": "unfollow"})

    assert not UserFollows.objects.filter(follower=follower).exists()
    assert not UserFollowers.objects.filter(user=followee).exists()


def test_following_yourself_shows_a_message_and_writes_nothing(client):
    user = user_create()
    client.force_login(user)

    response = client.post(reverse("follow", kwargs={"username": user.username}), follow=True)

    assert response.status_code == 200
    assert b"You cannot follow yourself." in response.content
    assert not UserFollows.objects.exists()


def test_follow_requires_sign_in_and_post(client):
    followee = user_create()
    url = reverse("follow", kwargs={"username": followee.username})

    anonymous = client.post(url)
    client.force_login(user_create())
    as_get = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))
    assert as_get.status_code == 405
    assert not UserFollows.objects.exists()


def test_follow_of_a_blocking_account_is_404(client):
    owner, viewer = user_create(), user_create()
    block_create(blocker=owner, blocked=viewer)
    client.force_login(viewer)

    response = client.post(reverse("follow", kwargs={"username": owner.username}))

    assert response.status_code == 404
    assert not UserFollows.objects.exists()


# Like ------------------------------------------------------------------------------------


def test_like_post_likes_and_redirects_home(client):
    liker, tweet = user_create(), post(user_create(), "likeable")
    client.force_login(liker)

    response = client.post(reverse("like", kwargs={"pk": tweet.pk}))

    assert response.status_code == 302
    assert response.url == "/"
    assert Like.objects.filter(user=liker, tweet=tweet).exists()
    tweet.refresh_from_db()
    assert tweet.like_count == 1


def test_unlike_action_takes_the_like_back(client):
    liker, tweet = user_create(), post(user_create(), "likeable")
    like_create(user=liker, tweet_id=tweet.pk)
    client.force_login(liker)

    client.post(reverse("like", kwargs={"pk": tweet.pk}), {"action": "unlike"})

    assert not Like.objects.exists()
    tweet.refresh_from_db()
    assert tweet.like_count == 0


def test_like_goes_back_to_a_local_next(client):
    liker, tweet = user_create(), post(user_create(), "likeable")
    client.force_login(liker)
    next_url = _detail_url(tweet) + "?cursor=abc"

    response = client.post(reverse("like", kwargs={"pk": tweet.pk}), {"next": next_url})

    assert response.url == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "https://evil.example/@alice",
        "//evil.example/",
        "///evil.example/",
        "http:evil.example",
        "https:/\\evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "\\\\evil.example",
    ],
)
def test_like_never_redirects_off_site(client, next_url):
    liker, tweet = user_create(), post(user_create(), "likeable")
    client.force_login(liker)

    response = client.post(reverse("like", kwargs={"pk": tweet.pk}), {"next": next_url})

    assert response.status_code == 302
    assert response.url == "/"


def test_like_of_a_protected_tweet_by_a_stranger_is_404_and_writes_nothing(client):
    tweet = post(user_create(privacy=Privacy.PROTECTED), "closed")
    client.force_login(user_create())

    response = client.post(reverse("like", kwargs={"pk": tweet.pk}))

    assert response.status_code == 404
    assert not Like.objects.exists()


def test_like_requires_sign_in(client):
    tweet = post(user_create(), "likeable")

    response = client.post(reverse("like", kwargs={"pk": tweet.pk}))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Like.objects.exists()


def test_home_shows_unlike_for_a_liked_tweet(client):
    viewer, author = user_create(), user_create()
    _follow(viewer, author)
    tweet = post(author, "liked one")
    like_create(user=viewer, tweet_id=tweet.pk)
    client.force_login(viewer)

    body = client.get(reverse("home")).text

    assert '<span class="sr-only">Unlike</span>' in body
    assert 'aria-pressed="true"' in body


def test_home_shows_unlike_on_a_retweet_of_a_liked_tweet(client):
    viewer, author, retweeter = user_create(), user_create(), user_create()
    _follow(viewer, retweeter)
    tweet = post(author, "liked then retweeted")
    like_create(user=viewer, tweet_id=tweet.pk)
    retweet_create(user=retweeter, tweet_id=tweet.pk)
    client.force_login(viewer)

    body = client.get(reverse("home")).text

    assert "liked then retweeted" in body
    assert '<span class="sr-only">Unlike</span>' in body
    assert 'aria-pressed="true"' in body


# Escaping --------------------------------------------------------------------------------

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def test_pages_escape_tweet_text_and_names(client):
    author = user_create(username="author", display_name='<img src=x onerror="alert(1)">')
    user_update_profile(user=author, bio=f"bio {SCRIPT}")
    tweet = post(author, f"look {SCRIPT} here")
    viewer = user_create()
    _follow(viewer, author)
    client.force_login(viewer)

    for url in (reverse("home"), _profile_url(author), _detail_url(tweet)):
        body = client.get(url).text
        assert SCRIPT not in body, url
        assert ESCAPED in body, url
        assert "<img src=x" not in body, url
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body, url


def test_quote_of_a_script_tweet_is_escaped(client):
    author, quoter = user_create(), user_create()
    original = post(author, SCRIPT)
    post(quoter, "quoting this", quote_of_id=original.pk)

    body = client.get(_profile_url(quoter)).text

    assert SCRIPT not in body
    assert ESCAPED in body


def test_quote_hides_the_text_of_an_original_that_became_protected(client):
    author, quoter = user_create(), user_create()
    original = post(author, "soon to be protected")
    post(quoter, "quoting this", quote_of_id=original.pk)
    privacy_set(user=author, privacy=Privacy.PROTECTED)

    body = client.get(_profile_url(quoter)).text

    assert "quoting this" in body
    assert "soon to be protected" not in body


# Query counts ----------------------------------------------------------------------------


def _timeline_world(viewer: User, authors: list[User], tweets: int) -> None:
    """Post `tweets` items round-robin by `authors`, with replies, retweets and quotes mixed in."""
    made: list[Tweet] = []
    for number in range(tweets):
        author = authors[number % len(authors)]
        if made and number % 5 == 3:
            # The previous item is never a plain retweet, so each retweet has its own original.
            committed(retweet_create)(user=author, tweet_id=made[-1].pk)  # fans out
            made.append(Tweet.objects.get(user=author, original_tweet=made[-1], content=""))
        elif made and number % 5 == 4:
            made.append(post(author, f"quote {number}", quote_of_id=made[-1].pk))
        elif made and number % 7 == 2:
            made.append(post(author, f"reply {number}", reply_to_id=made[-1].pk))
        else:
            made.append(post(author, f"tweet {number} by @{viewer.username}"))
        if number % 3 == 0:
            like_create(user=viewer, tweet_id=made[-1].pk)


def _queries_of(client, url: str) -> tuple[int, bytes]:
    """Load `url` twice and return the query count and body of the second (warm) load."""
    client.get(url)  # a first read may do one-off work (session, a timeline rebuild)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content


def test_home_costs_the_same_queries_for_5_and_20_tweets(client, django_assert_num_queries):
    viewer = user_create()
    authors = [user_create() for _ in range(4)]
    for author in authors:
        _follow(viewer, author)
    client.force_login(viewer)
    _timeline_world(viewer, authors, 5)
    queries_for_5, body = _queries_of(client, reverse("home"))
    assert body.count(TWEET_ARTICLE) == 5

    _timeline_world(viewer, [*authors, viewer], 15)
    with django_assert_num_queries(queries_for_5):
        response = client.get(reverse("home"))

    assert response.content.count(TWEET_ARTICLE) == 20
    # Session, user, one timeline query today; the fan-out timeline may add a couple.
    assert queries_for_5 <= 6


def test_profile_costs_the_same_queries_for_5_and_20_tweets(client, django_assert_num_queries):
    owner, viewer = user_create(), user_create()
    client.force_login(viewer)
    _timeline_world(viewer, [owner], 5)
    queries_for_5, _ = _queries_of(client, _profile_url(owner))

    _timeline_world(viewer, [owner], 15)
    with django_assert_num_queries(queries_for_5):
        response = client.get(_profile_url(owner))

    top_level = Tweet.objects.filter(user=owner, reply_to__isnull=True).count()
    assert top_level > 5
    assert response.content.count(TWEET_ARTICLE) == min(top_level, 20)


# Every page, signed in and signed out -----------------------------------------------------

SIGNED_IN_ONLY = {"/follow-requests", "/settings"}


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_every_page_renders(client, signed_in):
    owner = user_create(username="owner")
    user_update_profile(user=owner, bio="bio with #tag and @owner")
    fan = user_create(username="fan")
    _follow(fan, owner)
    tweet = post(owner, "hello #tag @fan")
    post(fan, "a reply", reply_to_id=tweet.pk)
    like_create(user=owner, tweet_id=post(fan, "liked").pk)
    if signed_in:
        client.force_login(fan)
    pages = [
        "/",
        "/explore",
        "/search",
        "/search?q=hello",
        "/search?q=own&type=people",
        "/hashtag/tag",
        "/@owner",
        "/@owner/with_replies",
        "/@owner/likes",
        "/@owner/followers",
        "/@owner/following",
        _detail_url(tweet),
        "/follow-requests",
        "/settings",
        "/login",
        "/signup",
    ]

    for url in pages:
        response = client.get(url)
        if url in SIGNED_IN_ONLY and not signed_in:
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("login")), url
        elif url == "/login" and signed_in:
            assert response.status_code == 302, url  # already signed in
        else:
            assert response.status_code == 200, url
            assert "</html>" in response.text, url

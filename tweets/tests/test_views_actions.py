"""Tweet pages' forms and actions: each with and without htmx, each bad input, CSRF."""

from html import escape

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Privacy
from accounts.tests.factories import user_create
from social.services import follow_create, follow_request_approve
from tweets.models import Like, Report, Tweet
from tweets.services import (
    CONTENT_REQUIRED,
    CONTENT_TOO_LONG,
    MEDIA_URL_INVALID,
    NOT_RETWEETABLE,
    QUOTE_UNAVAILABLE,
    REPLY_TO_UNAVAILABLE,
    REPORT_REASON_REQUIRED,
    REPORT_REASON_TOO_LONG,
    retweet_create,
)
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _detail(tweet: Tweet) -> str:
    return reverse("tweet_detail", kwargs={"username": tweet.user.username, "pk": tweet.pk})


# Compose: every bad input the service rejects is a form error, and nothing is written -------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"content": "   "}, "content", CONTENT_REQUIRED),
        ({"content": "x" * 281}, "content", CONTENT_TOO_LONG),
        ({"content": "ok", "media_url": "ftp://example.com/a.png"}, "media_url", MEDIA_URL_INVALID),
        ({"content": "ok", "media_url": "not a url"}, "media_url", MEDIA_URL_INVALID),
        ({"content": "ok", "quote_of_id": "999999999"}, None, QUOTE_UNAVAILABLE),
        ({"content": "ok", "reply_to_id": "999999999"}, None, REPLY_TO_UNAVAILABLE),
    ],
    ids=["blank", "281", "ftp-media", "bad-media", "quote-unknown", "reply-unknown"],
)
def test_compose_errors_are_shown_and_nothing_is_written(client, data, field, message):
    client.force_login(user_create())

    response = client.post(reverse("home"), data)

    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors[field] if field else form.non_field_errors()
    assert message in errors
    assert escape(message) in response.text
    assert not Tweet.objects.exists()


def test_quoting_a_protected_tweet_is_refused_with_a_clear_error(client):
    author = user_create(privacy=Privacy.PROTECTED)
    follower = user_create()
    follow_create(follower=follower, followee=author)
    follow_request_approve(owner=author, requester=follower)
    tweet = post(author, "closed words")
    client.force_login(follower)

    response = client.post(reverse("home"), {"content": "look", "quote_of_id": tweet.pk})

    assert NOT_RETWEETABLE in response.context["form"].non_field_errors()
    assert not Tweet.objects.filter(user=follower).exists()


def test_quoting_an_unseen_tweet_looks_like_an_unknown_one(client):
    hidden = post(user_create(privacy=Privacy.PROTECTED), "closed words")
    client.force_login(user_create())

    response = client.post(reverse("home"), {"content": "look", "quote_of_id": hidden.pk})

    assert QUOTE_UNAVAILABLE in response.context["form"].non_field_errors()
    assert "closed words" not in response.text


def test_compose_with_a_media_url_and_a_quote_posts_both(
    client, django_capture_on_commit_callbacks
):
    original = post(user_create(), "quotable")
    author = user_create()
    client.force_login(author)
    home = client.get(reverse("home"), {"quote": original.pk})
    assert f'name="quote_of_id" value="{original.pk}"' in home.text

    data = {"content": "with a picture", "media_url": "https://img.example/a.png"}
    # The fan-out into the author's own timeline runs after the request, as after its commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("home"), {**data, "quote_of_id": original.pk})

    assert response.status_code == 302
    tweet = Tweet.objects.get(user=author)
    assert tweet.media_urls == ["https://img.example/a.png"]
    assert tweet.original_tweet_id == original.pk
    body = client.get(reverse("home")).text
    assert 'src="https://img.example/a.png"' in body
    assert "quotable" in body


def test_compose_counts_a_typed_line_break_as_one_character(client):
    author = user_create()
    client.force_login(author)
    content = "a" * 139 + "\r\n" + "b" * 140  # 280 characters as typed, 281 as sent

    response = client.post(reverse("home"), {"content": content})

    assert response.status_code == 302
    assert Tweet.objects.get(user=author).content == "a" * 139 + "\n" + "b" * 140


def test_compose_has_the_labelled_box_counter_and_post_button(client):
    client.force_login(user_create())

    body = client.get(reverse("home")).text

    assert '<label for="id_content" class="">What&#x27;s happening?</label>' in body
    assert 'id="compose-counter"' in body
    assert '<button type="submit" class="btn btn-primary">Post</button>' in body


# Reply on the tweet page ------------------------------------------------------------------


def test_reply_from_the_tweet_page_creates_it_and_goes_back(client):
    original = post(user_create(), "original")
    author = user_create()
    client.force_login(author)

    response = client.post(_detail(original), {"content": "my answer"})

    assert response.status_code == 302
    assert response.url == _detail(original)
    assert Tweet.objects.get(user=author).reply_to_id == original.pk
    assert "my answer" in client.get(_detail(original)).text


def test_reply_errors_show_on_the_tweet_page(client):
    original = post(user_create(), "original")
    client.force_login(user_create())

    response = client.post(_detail(original), {"content": "x" * 300})

    assert response.status_code == 200
    assert CONTENT_TOO_LONG in response.context["form"].errors["content"]
    assert Tweet.objects.count() == 1


def test_reply_while_signed_out_goes_to_login_and_writes_nothing(client):
    original = post(user_create(), "original")

    response = client.post(_detail(original), {"content": "anonymous"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert Tweet.objects.count() == 1


def test_thread_shows_visible_ancestors_and_replies(client):
    root = post(user_create(), "the root")
    middle = post(user_create(), "the middle", reply_to_id=root.pk)
    leaf = post(user_create(), "a leaf", reply_to_id=middle.pk)

    body = client.get(_detail(middle)).text.split('<main id="main"')[1]

    assert "the root" in body
    assert "a leaf" in body
    assert body.index("the root") < body.index("the middle") < body.index("a leaf")
    assert f'data-tweet-id="{leaf.pk}"' in body


# Like, retweet, delete: plain POST redirects back; htmx gets the fragment ---------------------


def test_like_with_htmx_returns_the_action_bar_pressed(client):
    tweet = post(user_create(), "likeable")
    liker = user_create()
    client.force_login(liker)

    response = client.post(reverse("like", kwargs={"pk": tweet.pk}), {"next": "/explore"}, **HX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<footer class="actions">')
    assert 'aria-pressed="true"' in response.text
    assert '<span class="sr-only">Unlike</span>' in response.text
    assert '<span class="count">1</span>' in response.text
    assert 'name="next" value="/explore"' in response.text
    assert "HX-Request" in response["Vary"]
    assert Like.objects.filter(user=liker, tweet=tweet).exists()

    response = client.post(reverse("like", kwargs={"pk": tweet.pk}), {"action": "unlike"}, **HX)
    assert '<span class="sr-only">Like</span>' in response.text
    assert 'aria-pressed="false"' in response.text
    assert not Like.objects.exists()


def test_retweet_and_undo_without_javascript_redirect_back(client):
    tweet = post(user_create(), "retweetable")
    user = user_create()
    client.force_login(user)

    response = client.post(reverse("retweet", kwargs={"pk": tweet.pk}), {"next": "/explore"})

    assert response.status_code == 302
    assert response.url == "/explore"
    tweet.refresh_from_db()
    assert tweet.retweet_count == 1
    body = client.get(reverse("explore")).text
    assert '<span class="sr-only">Undo retweet</span>' in body

    client.post(reverse("retweet", kwargs={"pk": tweet.pk}), {"action": "undo"})
    tweet.refresh_from_db()
    assert tweet.retweet_count == 0


def test_retweet_with_htmx_returns_the_action_bar(client):
    tweet = post(user_create(), "retweetable")
    client.force_login(user_create())

    response = client.post(reverse("retweet", kwargs={"pk": tweet.pk}), **HX)

    assert '<span class="sr-only">Undo retweet</span>' in response.text
    assert '<span class="count">1</span>' in response.text


def test_retweet_of_a_protected_tweet_shows_the_error_and_writes_nothing(client):
    author, follower = user_create(privacy=Privacy.PROTECTED), user_create()
    follow_create(follower=follower, followee=author)
    follow_request_approve(owner=author, requester=follower)
    tweet = post(author, "closed")
    client.force_login(follower)

    fragment = client.post(reverse("retweet", kwargs={"pk": tweet.pk}), **HX)
    page = client.post(reverse("retweet", kwargs={"pk": tweet.pk}), follow=True)

    assert NOT_RETWEETABLE in fragment.text
    assert NOT_RETWEETABLE in page.text
    assert Tweet.objects.count() == 1


def test_protected_tweets_offer_no_retweet_button(client):
    author, follower = user_create(privacy=Privacy.PROTECTED), user_create()
    follow_create(follower=follower, followee=author)
    follow_request_approve(owner=author, requester=follower)
    tweet = post(author, "closed")
    client.force_login(follower)

    body = client.get(_detail(tweet)).text

    assert reverse("retweet", kwargs={"pk": tweet.pk}) not in body
    assert reverse("like", kwargs={"pk": tweet.pk}) in body


def test_liking_a_retweet_card_likes_the_original(client):
    author, retweeter, viewer = user_create(), user_create(), user_create()
    tweet = post(author, "original")
    retweet_create(user=retweeter, tweet_id=tweet.pk)
    follow_create(follower=viewer, followee=retweeter)
    client.force_login(viewer)

    body = client.get(reverse("home")).text
    # The card of the retweet acts on the original.
    assert reverse("like", kwargs={"pk": tweet.pk}) in body

    client.post(reverse("like", kwargs={"pk": tweet.pk}), **HX)
    assert Like.objects.filter(user=viewer, tweet=tweet).exists()


def test_delete_is_offered_only_on_own_tweets(client):
    me, other = user_create(), user_create()
    mine, theirs = post(me, "mine"), post(other, "theirs")
    client.force_login(me)

    body = client.get(reverse("explore")).text

    assert reverse("tweet_delete", kwargs={"pk": mine.pk}) in body
    assert reverse("tweet_delete", kwargs={"pk": theirs.pk}) not in body


def test_delete_with_htmx_returns_nothing_to_swap_the_card_out(client):
    me = user_create()
    tweet = post(me, "regret")
    client.force_login(me)

    response = client.post(reverse("tweet_delete", kwargs={"pk": tweet.pk}), **HX)

    assert response.status_code == 200
    assert response.content == b""
    assert not Tweet.objects.exists()


def test_delete_from_its_own_page_goes_to_the_profile(client):
    me = user_create()
    tweet = post(me, "regret")
    client.force_login(me)

    response = client.post(
        reverse("tweet_delete", kwargs={"pk": tweet.pk}), {"next": _detail(tweet)}
    )

    assert response.status_code == 302
    assert response.url == me.get_absolute_url()
    assert not Tweet.objects.exists()


def test_delete_of_someone_elses_tweet_is_403_and_writes_nothing(client):
    tweet = post(user_create(), "not yours")
    client.force_login(user_create())

    response = client.post(reverse("tweet_delete", kwargs={"pk": tweet.pk}))

    assert response.status_code == 403
    assert Tweet.objects.filter(pk=tweet.pk).exists()


def test_delete_of_an_unseen_tweet_is_404(client):
    tweet = post(user_create(privacy=Privacy.PROTECTED), "closed")
    client.force_login(user_create())

    assert client.post(reverse("tweet_delete", kwargs={"pk": tweet.pk})).status_code == 404
    assert Tweet.objects.filter(pk=tweet.pk).exists()


@pytest.mark.parametrize("name", ["like", "retweet", "tweet_delete", "tweet_report"])
def test_actions_need_sign_in_and_post(client, name):
    tweet = post(user_create(), "target")
    url = reverse(name, kwargs={"pk": tweet.pk})

    anonymous = client.post(url, {"reason": "spam"})
    client.force_login(user_create())
    as_get = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))
    assert as_get.status_code == 405
    assert Tweet.objects.count() == 1
    assert not Like.objects.exists()
    assert not Report.objects.exists()


# Report ------------------------------------------------------------------------------------


def test_report_form_files_a_report_once(client):
    tweet = post(user_create(), "rude words")
    reporter = user_create()
    client.force_login(reporter)
    page = client.get(_detail(tweet)).text
    assert '<label for="id_reason">Reason</label>' in page
    assert ">Report</button>" in page

    url = reverse("tweet_report", kwargs={"pk": tweet.pk})
    first = client.post(url, {"reason": "spam", "next": _detail(tweet)}, follow=True)
    second = client.post(url, {"reason": "spam again", "next": _detail(tweet)}, follow=True)

    assert "Thanks, moderators will look at it." in first.text
    assert "You already reported it." in second.text
    report = Report.objects.get()
    assert (report.reporter, report.tweet_id, report.reason) == (reporter, tweet.pk, "spam")


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "This field is required."),
        ("   ", REPORT_REASON_REQUIRED),
        ("x" * 501, REPORT_REASON_TOO_LONG),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_report_errors_show_on_the_tweet_page(client, reason, message):
    tweet = post(user_create(), "rude words")
    client.force_login(user_create())

    response = client.post(reverse("tweet_report", kwargs={"pk": tweet.pk}), {"reason": reason})

    assert response.status_code == 200
    assert message in response.context["report_form"].errors["reason"]
    assert not Report.objects.exists()


def test_report_of_an_unseen_tweet_is_404(client):
    tweet = post(user_create(privacy=Privacy.PRIVATE), "closed")
    client.force_login(user_create())

    response = client.post(reverse("tweet_report", kwargs={"pk": tweet.pk}), {"reason": "spam"})

    assert response.status_code == 404
    assert not Report.objects.exists()


def test_no_report_form_on_own_tweet(client):
    me = user_create()
    tweet = post(me, "mine")
    client.force_login(me)

    assert ">Report</button>" not in client.get(_detail(tweet)).text


# Load more ---------------------------------------------------------------------------------


def test_load_more_is_a_link_that_htmx_swaps_with_the_next_items(client):
    author = user_create()
    for number in range(25):
        post(author, f"numbered {number:02d}")

    page = client.get(reverse("explore"))
    more = page.context["page"].next_cursor
    assert more
    assert ">Load more</a>" in page.text
    assert page.text.count('<article class="tweet"') == 20

    fragment = client.get(reverse("explore"), {"cursor": more}, **HX)
    plain = client.get(reverse("explore"), {"cursor": more})

    assert "<html" not in fragment.text
    assert fragment.text.count('<article class="tweet"') == 5
    assert "numbered 00" in fragment.text
    assert "Load more" not in fragment.text
    assert "<html" in plain.text
    assert plain.text.count('<article class="tweet"') == 5


@pytest.mark.parametrize("url", ["/", "/explore", "/@author", "/hashtag/tag", "/search?q=x"])
def test_a_garbage_cursor_is_404_not_500(client, url):
    user_create(username="author")
    client.force_login(user_create())

    assert client.get(url, {"cursor": "garbage"}).status_code == 404


# CSRF --------------------------------------------------------------------------------------


def test_every_tweet_form_needs_the_csrf_token():
    me = user_create()
    tweet = post(user_create(), "target")
    mine = post(me, "mine")
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(me)
    posts = [
        (reverse("home"), {"content": "no token"}),
        (_detail(tweet), {"content": "no token"}),
        (reverse("like", kwargs={"pk": tweet.pk}), {}),
        (reverse("retweet", kwargs={"pk": tweet.pk}), {}),
        (reverse("tweet_delete", kwargs={"pk": mine.pk}), {}),
        (reverse("tweet_report", kwargs={"pk": tweet.pk}), {"reason": "spam"}),
    ]

    for url, data in posts:
        assert csrf_client.post(url, data).status_code == 403, url
        assert csrf_client.post(url, data, **HX).status_code == 403, url

    assert Tweet.objects.count() == 2
    assert not Like.objects.exists()
    assert not Report.objects.exists()


def test_htmx_requests_carry_the_token_from_the_page(client):
    csrf_client = Client(enforce_csrf_checks=True)
    me = user_create()
    tweet = post(user_create(), "target")
    csrf_client.force_login(me)
    page = csrf_client.get(reverse("explore"))
    token = page.context["csrf_token"]
    assert f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in page.text

    response = csrf_client.post(
        reverse("like", kwargs={"pk": tweet.pk}), HTTP_X_CSRFTOKEN=str(token), **HX
    )

    assert response.status_code == 200
    assert Like.objects.filter(user=me).exists()


# Escaping ----------------------------------------------------------------------------------


def test_hostile_tweet_text_is_escaped_on_every_tweet_page(client):
    author = user_create(username="author", display_name="<b>bold</b>")
    text = '#"><img src=x onerror=alert(1)> <script>alert(1)</script> @author'
    tweet = post(author, text)
    client.force_login(user_create())

    for url in ("/explore", "/@author", _detail(tweet), "/search?q=alert"):
        body = client.get(url).text
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url
        assert "<b>bold</b>" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url

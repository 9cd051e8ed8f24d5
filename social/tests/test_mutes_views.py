"""The mute pages and actions: profile menu, tweet-card menu, /settings/mutes,
/settings/muted-words, folded replies on the tweet page, and the list pages without them.

Every action works as a plain form (POST, redirect to `next`); htmx gets the flipped button.
The muted account's pages never mention the mute.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import user_create
from social import services
from social.models import Mute, MutedWord
from social.services import follow_create, mute_create, muted_word_create
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
MUTED_REPLY = "<summary>Reply from a muted account: show</summary>"
WORDED_REPLY = "<summary>Reply with a muted word: show</summary>"


@pytest.fixture
def me():
    return user_create(username="me")


@pytest.fixture
def them():
    return user_create(username="them")


@pytest.fixture
def signed_in(client, me):
    client.force_login(me)
    return client


def _mute_url(username: str) -> str:
    return reverse("mute", kwargs={"username": username})


def _button(text: str) -> str:
    return f">{text}</button>"


# Profile menu and the action


def test_profile_menu_mutes_and_unmutes_without_javascript(signed_in, me, them):
    page = signed_in.get(them.get_absolute_url()).text
    assert _button("Mute @them") in page
    assert 'class="more profile-more"' in page

    response = signed_in.post(_mute_url("them"), {"next": "/explore"})

    assert response.status_code == 302
    assert response.url == "/explore"
    assert Mute.objects.filter(muter=me, muted=them).exists()
    assert _button("Unmute @them") in signed_in.get(them.get_absolute_url()).text

    response = signed_in.post(_mute_url("them"), {"action": "unmute", "next": "https://evil.test/"})

    assert response.url == them.get_absolute_url()  # an off-site next is ignored
    assert not Mute.objects.exists()


def test_mute_with_htmx_answers_the_flipped_button(signed_in, me, them):
    response = signed_in.post(_mute_url("them"), {"next": "/"}, **HX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form method="post" action="/@them/mute"')
    assert _button("Unmute @them") in response.text
    assert 'name="action" value="unmute"' in response.text
    assert "HX-Request" in response["Vary"]

    response = signed_in.post(_mute_url("them"), {"action": "unmute"}, **HX)

    assert _button("Mute @them") in response.text
    assert not Mute.objects.exists()


def test_muting_yourself_shows_the_error_and_writes_nothing(signed_in, me):
    response = signed_in.post(_mute_url("me"), **HX)

    assert services.CANNOT_MUTE_SELF in response.text
    response = signed_in.post(_mute_url("me"), follow=True)
    assert services.CANNOT_MUTE_SELF in response.text
    assert not Mute.objects.exists()


def test_mute_needs_a_login_a_post_and_a_visible_account(client, me, them):
    assert client.post(_mute_url("them")).status_code == 302  # to the login page
    client.force_login(me)
    assert client.get(_mute_url("them")).status_code == 405
    assert client.post(_mute_url("nobody")).status_code == 404
    services.block_create(blocker=them, blocked=me)
    assert client.post(_mute_url("them")).status_code == 404
    assert not Mute.objects.exists()


def _without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which change on every render."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", html)


def test_the_muted_account_never_sees_the_mute(client, me, them):
    follow_create(follower=them, followee=me)
    root = post(me, "hello from me")
    post(them, "their reply", reply_to_id=root.pk)
    client.force_login(them)
    urls = (me.get_absolute_url(), "/", "/explore", root.get_absolute_url(), "/search?q=hello")
    before = {url: _without_tokens(client.get(url).text) for url in urls}

    mute_create(muter=me, muted=them)
    muted_word_create(user=me, phrase="reply")

    for url in urls:
        page = _without_tokens(client.get(url).text)
        assert page == before[url], url
        assert "Unmute" not in page, url


# Tweet cards


def test_cards_of_other_peoples_tweets_offer_mute_and_own_cards_do_not(signed_in, me, them):
    follow_create(follower=me, followee=them)
    post(them, "their tweet")
    post(me, "my tweet")

    page = signed_in.get("/").text

    assert page.count('<details class="more act-right">') == 1
    assert _button("Mute @them") in page
    assert _button("Mute @me") not in page


def test_muting_from_a_card_takes_their_tweets_off_the_lists(signed_in, me, them):
    follow_create(follower=me, followee=them)
    post(them, "theirs #tag common")
    post(me, "mine #tag common")

    signed_in.post(_mute_url("them"), {"next": "/"})

    for url in ("/", "/explore", "/hashtag/tag", "/search?q=common"):
        page = signed_in.get(url).text
        assert "theirs" not in page, url
        assert "mine" in page, url
    assert "theirs" in signed_in.get(them.get_absolute_url()).text  # the profile keeps them
    assert "@them" not in signed_in.get("/search?q=them&type=people").text


# Threads


def test_thread_folds_replies_of_muted_accounts_and_words_and_unmuting_unfolds(signed_in, me, them):
    root = post(user_create(), "root")
    post(them, "their reply", reply_to_id=root.pk)
    post(user_create(), "a spoiler reply", reply_to_id=root.pk)
    post(me, "my spoiler reply", reply_to_id=root.pk)
    mute_create(muter=me, muted=them)
    word = muted_word_create(user=me, phrase="spoiler")

    page = signed_in.get(root.get_absolute_url()).text

    assert page.count(MUTED_REPLY) == 1
    assert page.count(WORDED_REPLY) == 1
    assert "their reply" in page and "a spoiler reply" in page  # folded, not dropped
    folded = page.split(MUTED_REPLY, 1)[1].split("</details>", 1)[0]
    assert "their reply" in folded

    signed_in.post(_mute_url("them"), {"action": "unmute"})
    services.muted_word_delete(user=me, muted_word_id=word.pk)
    page = signed_in.get(root.get_absolute_url()).text
    assert MUTED_REPLY not in page and WORDED_REPLY not in page


def test_signed_out_threads_fold_nothing(client, them):
    root = post(user_create(), "root")
    post(them, "their reply", reply_to_id=root.pk)

    mute_create(muter=user_create(), muted=them)

    page = client.get(root.get_absolute_url()).text
    assert "their reply" in page
    assert "muted-reply" not in page and MUTED_REPLY not in page


# /settings/mutes


def test_settings_links_to_mutes_and_muted_words(signed_in):
    page = signed_in.get(reverse("settings")).text

    assert f'href="{reverse("mutes")}"' in page
    assert f'href="{reverse("muted_words")}"' in page


def test_settings_mutes_lists_and_unmutes(signed_in, me, them):
    assert "You haven't muted anyone." in signed_in.get(reverse("mutes")).text
    mute_create(muter=me, muted=them)

    page = signed_in.get(reverse("mutes")).text
    assert "@them" in page
    assert _button("Unmute @them") in page

    response = signed_in.post(_mute_url("them"), {"action": "unmute", "next": reverse("mutes")})
    assert response.url == reverse("mutes")
    assert not Mute.objects.exists()


def test_settings_pages_need_a_login(client):
    for name in ("mutes", "muted_words"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/login" in response.url


# /settings/muted-words


def test_add_a_muted_word_with_a_duration_and_remove_it(signed_in, me):
    page = signed_in.get(reverse("muted_words")).text
    for label in ("1 day", "7 days", "30 days", "Forever"):
        assert f">{label}</option>" in page

    response = signed_in.post(reverse("muted_words"), {"phrase": "#Cats", "duration": "7"})

    assert response.status_code == 302
    word = MutedWord.objects.get(user=me)
    assert word.phrase == "#Cats"
    assert word.expires_at is not None
    page = signed_in.get(reverse("muted_words")).text
    assert "#Cats" in page and "until" in page

    signed_in.post(reverse("muted_words"), {"phrase": "dogs", "duration": "forever"})
    assert MutedWord.objects.get(phrase="dogs").expires_at is None

    response = signed_in.post(reverse("muted_word_delete", kwargs={"pk": word.pk}))
    assert response.url == reverse("muted_words")
    assert list(MutedWord.objects.values_list("phrase", flat=True)) == ["dogs"]


def test_removing_someone_elses_muted_word_is_a_404(signed_in):
    theirs = muted_word_create(user=user_create(), phrase="cats")

    response = signed_in.post(reverse("muted_word_delete", kwargs={"pk": theirs.pk}))

    assert response.status_code == 404
    assert MutedWord.objects.filter(pk=theirs.pk).exists()
    assert signed_in.get(reverse("muted_word_delete", kwargs={"pk": theirs.pk})).status_code == 405


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phrase": "", "duration": "7"}, "This field is required."),
        ({"phrase": "   ", "duration": "7"}, services.MUTED_PHRASE_BLANK),
        ({"phrase": "x" * 101, "duration": "7"}, services.MUTED_PHRASE_TOO_LONG),
        ({"phrase": "nul\x00byte", "duration": "7"}, "Null characters are not allowed."),
        ({"phrase": "cats", "duration": "0"}, "Select a valid choice."),
        ({"phrase": "cats", "duration": "3651"}, "Select a valid choice."),
        ({"phrase": "cats"}, "This field is required."),
        ({"phrase": "Dogs", "duration": "forever"}, services.MUTED_PHRASE_DUPLICATE),
    ],
)
def test_bad_muted_word_input_is_shown_in_the_form_and_writes_nothing(signed_in, me, data, message):
    muted_word_create(user=me, phrase="dogs")

    response = signed_in.post(reverse("muted_words"), data)

    assert response.status_code == 200
    assert message.replace("'", "&#x27;") in response.text
    assert 'class="errorlist"' in response.text
    assert list(MutedWord.objects.values_list("phrase", flat=True)) == ["dogs"]


def test_home_costs_the_same_queries_with_mutes(signed_in, me, them):
    bob = user_create()
    follow_create(follower=me, followee=them)
    follow_create(follower=me, followee=bob)
    for i in range(3):
        post(them, f"tweet {i}")
        post(bob, f"spoiler {i}")
    signed_in.get("/")  # compiles the page statements once
    with CaptureQueriesContext(connection) as without:
        signed_in.get("/")

    mute_create(muter=me, muted=them)
    muted_word_create(user=me, phrase="spoiler")
    signed_in.get("/")
    with CaptureQueriesContext(connection) as with_mutes:
        page = signed_in.get("/").text

    assert len(with_mutes) == len(without)
    assert "tweet 0" not in page and "spoiler 0" not in page

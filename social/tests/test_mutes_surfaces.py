"""Mutes applied on every list surface of the muter, in SQL, and nowhere else.

Surfaces: home timeline, tweet search, user search, hashtag pages, explore; in threads a
muted reply stays, marked for folding. Not applied: the muted account's profile, a tweet's
own page, a likes tab (as Twitter keeps them), nor for anyone but the muter.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import user_create
from search.selectors import tweets_search, users_search
from social.models import MutedWord
from social.services import follow_create, mute_create, mute_delete, muted_word_create
from timelines.selectors import timeline_home
from tweets.models import Tweet
from tweets.selectors import (
    MutedBy,
    tweet_get_visible,
    tweet_replies,
    tweets_by_hashtag,
    tweets_liked_by,
    tweets_of_user,
    tweets_recent,
)
from tweets.services import like_create, retweet_create
from tweets.tests.factories import committed, post

pytestmark = pytest.mark.django_db

WORD = "common"  # in every tweet with text, so search lists them all
TAG = "tag"


def _home(viewer, limit=100):
    return [t.pk for t in timeline_home(viewer=viewer, limit=limit).items]


def _search(viewer, limit=100):
    return [t.pk for t in tweets_search(viewer=viewer, query=WORD, limit=limit).items]


def _hashtag(viewer, limit=100):
    return [t.pk for t in tweets_by_hashtag(viewer=viewer, tag=TAG, limit=limit).items]


def _explore(viewer, limit=100):
    return [t.pk for t in tweets_recent(viewer=viewer, limit=limit).items]


SURFACES = {"home": _home, "search": _search, "hashtag": _hashtag, "explore": _explore}
# Plain retweets carry no text or tags: only home and explore list them.
RETWEET_SURFACES = {"home": _home, "explore": _explore}


def _on_every_surface(viewer, surfaces=SURFACES) -> dict[str, set[int]]:
    return {name: set(list_of(viewer)) for name, list_of in surfaces.items()}


@pytest.fixture
def world():
    me, alice, bob = user_create(username="me"), user_create(username="alice"), user_create()
    follow_create(follower=me, followee=alice)
    follow_create(follower=me, followee=bob)
    follow_create(follower=alice, followee=me)
    return {"me": me, "alice": alice, "bob": bob}


def _text(words: str) -> str:
    return f"{WORD} #{TAG} {words}"


def test_a_muted_accounts_tweets_leave_every_surface_and_come_back_on_unmute(world):
    me, alice, bob = world["me"], world["alice"], world["bob"]
    hers, his = post(alice, _text("from alice")), post(bob, _text("from bob"))
    assert _on_every_surface(me) == {name: {hers.pk, his.pk} for name in SURFACES}

    mute_create(muter=me, muted=alice)

    assert _on_every_surface(me) == {name: {his.pk} for name in SURFACES}
    mute_delete(muter=me, muted=alice)
    assert _on_every_surface(me) == {name: {hers.pk, his.pk} for name in SURFACES}


@pytest.mark.parametrize(
    ("phrase", "muted_text", "kept_text"),
    [
        ("Zebra", "a ZEBRA, here", "zebras and azebra"),
        ("#cats", "#Cats rule", "cats without a tag"),
        ("cats", "#CATS and more", "concatenate cats2"),
        ("spoiler alert", "Spoiler\nALERT inside", "spoiler, not an alert"),
        ("c++", "I like C++ a lot", "I like c and cpp"),
    ],
)
def test_a_muted_word_mutes_whole_words_in_any_case_on_every_surface(
    world, phrase, muted_text, kept_text
):
    me, bob = world["me"], world["bob"]
    muted, kept = post(bob, _text(muted_text)), post(bob, _text(kept_text))

    muted_word_create(user=me, phrase=phrase)

    assert _on_every_surface(me) == {name: {kept.pk} for name in SURFACES}
    # Only the muter's lists change.
    assert muted.pk in _explore(world["alice"])


def test_retweets_by_and_of_a_muted_account_and_of_muted_words_leave_the_lists(world):
    me, alice, bob = world["me"], world["alice"], world["bob"]
    hers, his = post(alice, _text("hers")), post(bob, _text("his"))
    worded = post(user_create(), _text("a spoiler here"))
    committed(retweet_create)(user=bob, tweet_id=hers.pk)  # of a muted account
    committed(retweet_create)(user=alice, tweet_id=his.pk)  # by a muted account
    committed(retweet_create)(user=bob, tweet_id=worded.pk)  # of a muted word
    retweets = dict(Tweet.objects.filter(content="").values_list("original_tweet_id", "pk"))

    mute_create(muter=me, muted=alice)
    muted_word_create(user=me, phrase="spoiler")

    for name, listed in _on_every_surface(me, RETWEET_SURFACES).items():
        assert not listed & set(retweets.values()), name
        assert his.pk in listed, name


def test_own_tweets_and_retweets_are_never_muted(world):
    me, alice = world["me"], world["alice"]
    mine = post(me, _text("my own spoiler"))
    hers = post(alice, _text("hers"))
    committed(retweet_create)(user=me, tweet_id=hers.pk)
    my_retweet = Tweet.objects.get(user=me, original_tweet=hers)

    muted_word_create(user=me, phrase="spoiler")
    mute_create(muter=me, muted=alice)

    listed = _on_every_surface(me)
    for name in SURFACES:
        assert mine.pk in listed[name], name
    for name, ids in _on_every_surface(me, RETWEET_SURFACES).items():
        assert my_retweet.pk in ids, name
        assert hers.pk not in ids, name


def test_expired_muted_words_stop_applying(world):
    me, bob = world["me"], world["bob"]
    tweet = post(bob, _text("spoiler"))
    word = muted_word_create(user=me, phrase="spoiler", expires_in_days=1)
    assert _on_every_surface(me) == {name: set() for name in SURFACES}

    MutedWord.objects.filter(pk=word.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert _on_every_surface(me) == {name: {tweet.pk} for name in SURFACES}


@pytest.mark.parametrize("surface", SURFACES)
def test_pages_stay_full_and_keyset_exact_with_mutes_in_between(world, surface):
    me, alice, bob = world["me"], world["alice"], world["bob"]
    kept = []
    for i in range(9):
        post(alice, _text(f"muted account {i}"))
        post(bob, _text(f"spoiler {i}"))
        kept.append(post(bob, _text(f"kept {i}")).pk)
    mute_create(muter=me, muted=alice)
    muted_word_create(user=me, phrase="spoiler")
    loaders = {
        "home": timeline_home,
        "search": lambda **kw: tweets_search(query=WORD, **kw),
        "hashtag": lambda **kw: tweets_by_hashtag(tag=TAG, **kw),
        "explore": tweets_recent,
    }

    seen, cursor, sizes = [], None, []
    while True:
        page = loaders[surface](viewer=me, cursor=cursor, limit=4)
        seen += [t.pk for t in page.items]
        sizes.append(len(page.items))
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    assert seen == kept[::-1]
    assert sizes[:2] == [4, 4]  # full pages: the filter ran in SQL, not after the fetch


def test_user_search_leaves_out_muted_accounts(world):
    me, alice = world["me"], world["alice"]
    assert [u.pk for u in users_search(viewer=me, query="alice").items] == [alice.pk]

    mute_create(muter=me, muted=alice)

    assert users_search(viewer=me, query="alice").items == []
    assert [u.pk for u in users_search(viewer=world["bob"], query="alice").items] == [alice.pk]
    mute_delete(muter=me, muted=alice)
    assert [u.pk for u in users_search(viewer=me, query="alice").items] == [alice.pk]


def test_mutes_do_not_apply_to_the_profile_the_tweet_page_or_a_likes_tab(world):
    me, alice, bob = world["me"], world["alice"], world["bob"]
    hers = post(alice, _text("spoiler"))
    like_create(user=bob, tweet_id=hers.pk)
    mute_create(muter=me, muted=alice)
    muted_word_create(user=me, phrase="spoiler")

    assert [t.pk for t in tweets_of_user(viewer=me, user=alice).items] == [hers.pk]
    assert tweet_get_visible(viewer=me, tweet_id=hers.pk).pk == hers.pk
    assert [t.pk for t in tweets_liked_by(viewer=me, user=bob).items] == [hers.pk]


def test_the_muted_account_sees_the_muter_as_before(world):
    me, alice = world["me"], world["alice"]
    mine = post(me, _text("hello alice"))

    mute_create(muter=me, muted=alice)

    assert _on_every_surface(alice) == {name: {mine.pk} for name in SURFACES}
    assert [u.pk for u in users_search(viewer=alice, query="me").items] == [me.pk]


def test_thread_replies_of_muted_accounts_and_words_are_marked_not_dropped(world, anonymous):
    me, alice, bob = world["me"], world["alice"], world["bob"]
    root = post(bob, "root")
    from_alice = post(alice, "a plain reply", reply_to_id=root.pk)
    worded = post(bob, "a SPOILER reply", reply_to_id=root.pk)
    mine = post(me, "my spoiler reply", reply_to_id=root.pk)
    plain = post(bob, "a plain reply too", reply_to_id=root.pk)
    mute_create(muter=me, muted=alice)
    muted_word_create(user=me, phrase="spoiler")

    def marks(viewer) -> dict[int, str]:
        return {t.pk: t.viewer_muted for t in tweet_replies(viewer=viewer, tweet=root).items}

    assert marks(me) == {
        from_alice.pk: MutedBy.ACCOUNT,
        worded.pk: MutedBy.WORD,
        mine.pk: "",
        plain.pk: "",
    }
    assert set(marks(anonymous).values()) == {""}
    assert set(marks(alice).values()) == {""}
    mute_delete(muter=me, muted=alice)
    MutedWord.objects.all().delete()
    assert set(marks(me).values()) == {""}

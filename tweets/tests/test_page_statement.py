"""The page query compiled once (tweets.cards, through twitterclone.statements) against the ORM.

Every page of keys (home, a user's tweets, search) goes through `tweets_by_ids`, which
reuses a statement the ORM compiled for an earlier viewer. These tests hold it to two
promises: it builds the same objects the ORM builds, and a statement is never reused for a
viewer the rule would treat differently, even after the rule starts reading a new input.
"""

from collections import OrderedDict

import pytest

from accounts.models import Privacy, User
from accounts.tests.factories import user_create
from social.services import (
    block_create,
    follow_create,
    follow_request_approve,
    mute_create,
    muted_word_create,
)
from tweets import cards, visibility
from tweets.models import Tweet
from tweets.services import like_create, retweet_create, tweet_set_hidden
from tweets.tests.factories import post
from twitterclone import statements

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_statements(monkeypatch):
    """Each test compiles its own statements (and a changed rule cannot leak into others)."""
    monkeypatch.setattr(statements, "_statements", OrderedDict())


@pytest.fixture
def world():
    ana = user_create(username="ana")
    ben = user_create(username="ben")
    cy = user_create(username="cy", privacy=Privacy.PROTECTED)
    follow_create(follower=ben, followee=cy)
    follow_request_approve(owner=cy, requester=ben)
    shown = post(ana, "hello @ben and @cy #tags", media_urls=["https://example.com/a.png"])
    reply = post(ben, "a reply", reply_to_id=shown.pk)
    quote = post(cy, "quoting @ana", quote_of_id=shown.pk)
    retweet_create(user=ben, tweet_id=shown.pk)
    hidden = post(ana, "hidden by a moderator")
    tweet_set_hidden(tweet=hidden, hidden=True)
    like_create(user=ben, tweet_id=shown.pk)
    tweets = [shown, reply, quote, hidden, Tweet.objects.get(user=ben, original_tweet=shown)]
    return {"ana": ana, "ben": ben, "cy": cy, "ids": [tweet.pk for tweet in tweets]}


def _compiled(unmuted: bool | None = None) -> list:
    """The page statements compiled so far (of one kind of page, or of both)."""
    kinds = (False, True) if unmuted is None else (unmuted,)
    return [
        compiled
        for kind in kinds
        for compiled in statements.statements_compiled(cards.page_statement_key(unmuted=kind))
    ]


def _loaded(obj) -> dict:
    """The field values an object was loaded with (deferred fields left out)."""
    deferred = obj.get_deferred_fields()
    return {
        field.attname: getattr(obj, field.attname)
        for field in type(obj)._meta.concrete_fields
        if field.attname not in deferred
    }


def _as_orm_builds(*, viewer, ids) -> dict[int, Tweet]:
    queryset = Tweet.objects.filter(pk__in=ids).visible_to(viewer)
    return cards.tweet_cards(queryset, viewer=viewer).in_bulk()


def _card(tweet: Tweet) -> dict:
    original = tweet.original_tweet
    return {
        "tweet": _loaded(tweet),
        "user": _loaded(tweet.user),
        "original": original and _loaded(original),
        "original_user": original and _loaded(original.user),
        "annotations": {name: getattr(tweet, name) for name in cards._PAGE_ANNOTATIONS},
    }


@pytest.mark.parametrize("who", ["anonymous", "ana", "ben", "cy", "staff"])
def test_the_compiled_page_builds_what_the_orm_builds(world, who, anonymous):
    viewer = {"anonymous": anonymous, "staff": user_create(is_staff=True)}.get(who) or world[who]
    compiled = cards.tweets_by_ids(viewer=viewer, ids=world["ids"])
    expected = _as_orm_builds(viewer=viewer, ids=world["ids"])
    assert sorted(compiled) == sorted(expected)
    assert {pk: _card(tweet) for pk, tweet in compiled.items()} == {
        pk: _card(tweet) for pk, tweet in expected.items()
    }
    # The related objects came with the row: reading them costs no query.
    for tweet in compiled.values():
        assert tweet.user.username
        assert tweet.original_tweet is None or tweet.original_tweet.user.username


def test_one_statement_per_kind_of_viewer_each_with_its_own_id(world, anonymous):
    ana, ben = world["ana"], world["ben"]
    hidden = Tweet.objects.get(content="hidden by a moderator")
    # A hidden tweet answers to its author only: the reused statement carries each viewer's id.
    assert hidden.pk in cards.tweets_by_ids(viewer=ana, ids=[hidden.pk])
    assert hidden.pk not in cards.tweets_by_ids(viewer=ben, ids=[hidden.pk])
    assert len(_compiled()) == 1
    cards.tweets_by_ids(viewer=anonymous, ids=[hidden.pk])
    staff = user_create(is_staff=True)
    assert hidden.pk in cards.tweets_by_ids(viewer=staff, ids=[hidden.pk])
    assert len(_compiled()) == 3


def test_blocks_and_follows_are_read_per_request_not_baked_in(world):
    ana, ben, cy = world["ana"], world["ben"], world["cy"]
    quote = Tweet.objects.get(content="quoting @ana")
    assert quote.pk in cards.tweets_by_ids(viewer=ben, ids=[quote.pk])
    assert quote.pk not in cards.tweets_by_ids(viewer=ana, ids=[quote.pk])  # protected
    block_create(blocker=cy, blocked=ben)
    assert quote.pk not in cards.tweets_by_ids(viewer=ben, ids=[quote.pk])


def _rule_that_also_reads_is_superuser(original):
    """The rule with a new input: superusers (not only staff) see hidden tweets."""

    def rule(*, viewer, prefix):
        condition = original(viewer=viewer, prefix=prefix)
        if viewer.is_authenticated and viewer.is_superuser:
            return condition | visibility.Q(**{f"{prefix}is_hidden": True})
        return condition

    return rule


@pytest.mark.parametrize("superuser_first", [True, False])
def test_a_new_input_to_the_rule_never_reuses_a_stale_statement(
    world, monkeypatch, superuser_first
):
    """Nobody updates a cache key when the rule changes: the statement keys on what it read."""
    rule = _rule_that_also_reads_is_superuser(visibility._single_tweet_q)
    monkeypatch.setattr(visibility, "_single_tweet_q", rule)
    monkeypatch.setattr(cards, "_single_tweet_q", rule)
    # A process started with the changed rule: nothing compiled yet (world's posts compiled).
    monkeypatch.setattr(statements, "_statements", OrderedDict())
    boss = user_create(username="boss")
    User.objects.filter(pk=boss.pk).update(is_superuser=True)
    boss.refresh_from_db()
    ben = world["ben"]
    hidden = Tweet.objects.get(content="hidden by a moderator").pk

    def sees_hidden(viewer) -> bool:
        return hidden in cards.tweets_by_ids(viewer=viewer, ids=[hidden])

    order = [boss, ben] if superuser_first else [ben, boss]
    seen = {viewer.username: sees_hidden(viewer) for viewer in order}
    assert seen == {"boss": True, "ben": False}
    assert len(_compiled()) == 2
    assert all(
        ("is_superuser", False) in s.inputs or ("is_superuser", True) in s.inputs
        for s in _compiled()
    )


def test_a_rule_that_calls_a_viewer_method_is_refused(world, monkeypatch):
    """A method's answer may depend on anything: the statement could not key on it."""
    original = visibility._single_tweet_q

    def rule(*, viewer, prefix):
        if viewer.is_authenticated and viewer.has_perm("tweets.view_tweet"):
            return visibility.Q()
        return original(viewer=viewer, prefix=prefix)

    monkeypatch.setattr(visibility, "_single_tweet_q", rule)
    monkeypatch.setattr(statements, "_statements", OrderedDict())
    with pytest.raises(TypeError, match="has_perm"):
        cards.tweets_by_ids(viewer=world["ben"], ids=world["ids"])


def _as_orm_builds_unmuted(*, viewer, ids) -> dict[int, Tweet]:
    queryset = Tweet.objects.filter(pk__in=ids).visible_to(viewer)
    queryset = queryset.filter(visibility.tweet_unmuted_q(viewer=viewer))
    return cards.tweet_cards(queryset, viewer=viewer).in_bulk()


@pytest.mark.parametrize("who", ["anonymous", "ana", "ben", "staff"])
def test_the_compiled_unmuted_page_builds_what_the_orm_builds(world, who, anonymous):
    viewer = {"anonymous": anonymous, "staff": user_create(is_staff=True)}.get(who) or world[who]
    if viewer.is_authenticated:
        mute_create(muter=viewer, muted=world["cy"])
        muted_word_create(user=viewer, phrase="REPLY")
    compiled = cards.tweets_by_ids(viewer=viewer, ids=world["ids"], unmuted=True)
    expected = _as_orm_builds_unmuted(viewer=viewer, ids=world["ids"])
    assert sorted(compiled) == sorted(expected)
    assert {pk: _card(tweet) for pk, tweet in compiled.items()} == {
        pk: _card(tweet) for pk, tweet in expected.items()
    }


@pytest.mark.parametrize("unmuted_first", [True, False])
def test_the_unmuted_statement_is_never_reused_for_a_page_that_keeps_mutes(world, unmuted_first):
    """The tweet's own page and a profile keep a muted account's tweets; home drops them."""
    ana, ben = world["ana"], world["ben"]
    shown = Tweet.objects.get(content__startswith="hello @ben").pk
    mute_create(muter=ben, muted=ana)

    def listed(unmuted: bool) -> bool:
        return shown in cards.tweets_by_ids(viewer=ben, ids=[shown], unmuted=unmuted)

    order = [True, False] if unmuted_first else [False, True]
    seen = {unmuted: listed(unmuted) for unmuted in order}
    assert seen == {True: False, False: True}
    assert [len(_compiled(unmuted)) for unmuted in (False, True)] == [1, 1]
    # Mutes are read per request, like blocks: another viewer reuses the statement.
    assert shown in cards.tweets_by_ids(viewer=ana, ids=[shown], unmuted=True)
    assert len(_compiled()) == 2


def test_the_first_compile_with_a_lazy_request_user_compiles_the_page(client):
    """request.user is loaded before the capture, not captured as the page statement."""
    alice = user_create()
    tweet = post(alice, "first")
    client.force_login(alice)
    assert client.get(tweet.get_absolute_url()).status_code == 200


def test_the_prepared_page_statement_probes_one_retweet_per_row_in_its_generic_plan(world):
    """With prepared statements PostgreSQL may run the page statement with a generic plan, in
    which content = '' is a bound parameter: uniq_tweets_plain_retweet's condition cannot be
    proved, and "did the viewer retweet it" must still be one index probe by (original, user),
    not a walk over every retweet of the tweet (tweets/migrations/0014)."""
    import re

    from django.db import connection
    from psycopg import sql

    ben = world["ben"]
    cards.tweets_by_ids(viewer=ben, ids=world["ids"], unmuted=True)
    (compiled,) = _compiled(unmuted=True)
    params = list(compiled.params)
    values = {statements._STAND_IN_VIEWER: ben.pk, statements.SENTINELS[0]: world["ids"]}
    for index in compiled._slots:
        params[index] = statements._replaced(params[index], values)
    numbered = iter(range(1, len(params) + 1))
    text = re.sub(r"%%|%s", lambda m: "%" if m[0] == "%%" else f"${next(numbered)}", compiled.sql)
    raw = connection.connection
    arguments = sql.SQL(", ").join(sql.Literal(param) for param in params).as_string(raw)
    with connection.cursor() as cursor:
        # A tiny test table would be read whole: ask for the plan the indexes give.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE generic_page AS {text}")
        try:
            cursor.execute(f"EXPLAIN EXECUTE generic_page({arguments})")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE generic_page")

    # The subplan of the viewer's retweet: on tweets, matching the shown tweet as original.
    scans = re.findall(
        r"Index (?:Only )?Scan using \w+ on tweets \w+.*\n"
        r"(\s+Index Cond: .*\n(?:\s+Filter: .*\n)?)",
        plan,
    )
    retweet = [scan for scan in scans if "original_tweet_id = CASE" in scan]
    assert len(retweet) == 1, plan
    (index_cond,) = re.findall(r"Index Cond: (.*)", retweet[0])
    assert re.search(r"user_id = \$\d+", index_cond), plan

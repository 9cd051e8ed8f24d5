"""The privacy oracle (twitterclone/tests/privacy_table.py) over the Mastodon endpoints.

The same world as the JSON API's privacy suite (test_api_privacy._world, engaged): each viewer
kind asks every Mastodon endpoint that returns statuses or accounts, directly and through a
bystander, and no answer may carry the owner's TWEET_MARK (or CARD_MARK) unless the table says
the viewer may see it. The positive side is checked too, so the test can fail both ways.
"""

import pytest
from django.test import Client

from notifications.models import Notification
from tweets.models import Tweet
from twitterclone.tests.privacy_table import (
    ANONYMOUS,
    BLOCKING,
    CARD_MARK,
    OWNER,
    PRIVACIES,
    SHARED_TAG,
    STRANGER,
    TWEET_MARK,
    VIEWERS,
    may_find,
    may_see_card,
    may_see_tweets,
)
from twitterclone.tests.test_api_privacy import OWN_TAG, _world

from .helpers import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@pytest.mark.parametrize("privacy", PRIVACIES)
def test_no_mastodon_endpoint_leaks_the_owners_statuses_or_card(privacy):
    world = _world(privacy, engaged=True)
    owner, bystander, tweets = world.owner, world.bystander, world.tweets
    paths = [
        f"/api/v1/accounts/{owner.pk}",
        f"/api/v1/accounts/{owner.pk}/statuses?limit=40",
        f"/api/v1/accounts/{bystander.pk}/statuses?limit=40",
        "/api/v1/accounts/lookup?acct=owner",
        "/api/v1/timelines/public?limit=40",
        f"/api/v1/timelines/tag/{SHARED_TAG}?limit=40",
        *(f"/api/v1/statuses/{tweet.pk}" for tweet in tweets.values()),
        *(f"/api/v1/statuses/{tweet.pk}/context" for tweet in tweets.values()),
    ]
    signed_in = ["/api/v1/timelines/home?limit=40", "/api/v1/notifications?limit=40"]
    for kind in VIEWERS:
        user = world.viewers[kind]
        headers = {} if kind == ANONYMOUS else {"authorization": f"Bearer {token_for(user)}"}
        client = Client(headers=headers)
        answers = {}
        for path in paths + ([] if kind == ANONYMOUS else signed_in):
            response = client.get(path)
            assert response.status_code in (200, 404), (kind, path, response.status_code)
            answers[path] = response.content.decode()
        everything = "".join(answers.values())
        if may_see_tweets(kind, privacy):
            assert TWEET_MARK in answers[f"/api/v1/accounts/{owner.pk}/statuses?limit=40"], kind
            assert TWEET_MARK in answers[f"/api/v1/statuses/{tweets['own'].pk}"], kind
        else:
            assert TWEET_MARK not in everything, (privacy, kind)
        if may_see_card(kind, privacy):
            assert CARD_MARK in answers[f"/api/v1/accounts/{owner.pk}"], (privacy, kind)
        else:
            assert CARD_MARK not in everything, (privacy, kind)


def test_a_protected_accounts_statuses_are_private_visibility_for_followers():
    world = _world("protected")
    follower = world.viewers["follower"]
    client = Client(headers={"authorization": f"Bearer {token_for(follower)}"})
    answer = client.get(f"/api/v1/statuses/{world.tweets['own'].pk}").json()
    assert answer["visibility"] == "private"
    assert answer["account"]["locked"] is True
    assert answer["quote_approval"]["current_user"] == "denied"


# The endpoints of the second part (issue 16): lists of accounts, search, notifications by
# id, bookmarks, favourites... Each answer is searched for the marks as above, and the lists
# that name the owner are checked both ways against the table.


def _first_tweet_of(user) -> Tweet:
    return Tweet.objects.filter(user=user, reply_to__isnull=True, original_tweet__isnull=True).get(
        content=f"{user.username} says hi"
    )


def may_find_by_name(viewer: str, privacy: str) -> bool:
    """Search by the owner's exact name: as may_find, and the viewer who blocked the owner."""
    return may_find(viewer, privacy) or viewer == BLOCKING


def _leaks(world, privacy) -> list[str]:
    """Return every way an answer of the later endpoints breaks the table (empty: none)."""
    owner, bystander, tweets = world.owner, world.bystander, world.tweets
    problems = []
    for kind in VIEWERS:
        user = world.viewers[kind]
        headers = {} if kind == ANONYMOUS else {"authorization": f"Bearer {token_for(user)}"}
        client = Client(headers=headers)
        # The engaged viewer's own tweet, which the owner liked and retweeted.
        theirs = _first_tweet_of(world.viewers[STRANGER if kind in (ANONYMOUS, OWNER) else kind])
        owner_lists = [f"/api/v1/accounts/{owner.pk}/{name}" for name in ("followers", "following")]
        listing_owner = {
            f"/api/v1/accounts/{bystander.pk}/followers?limit=80": may_find,
            f"/api/v1/accounts/{bystander.pk}/following?limit=80": may_find,
            # The exact name also finds an account the viewer blocked (to unblock it), shown as
            # its profile shows them.
            "/api/v2/search?q=owner&type=accounts": may_find_by_name,
            f"/api/v2/search?q={CARD_MARK}&type=accounts": may_find,
            f"/api/v1/statuses/{theirs.pk}/favourited_by": may_see_tweets,
            f"/api/v1/statuses/{theirs.pk}/reblogged_by": may_see_tweets,
        }
        paths = [
            *owner_lists,
            *listing_owner,
            f"/api/v2/search?q={TWEET_MARK}",
            f"/api/v2/search?q={OWN_TAG}&type=hashtags",
            f"/api/v2/search?q={TWEET_MARK}&type=hashtags",
            *(f"/api/v1/statuses/{t.pk}/favourited_by" for t in tweets.values()),
            *(f"/api/v1/statuses/{t.pk}/reblogged_by" for t in tweets.values()),
        ]
        signed_in = [
            "/api/v1/accounts/search?q=owner",
            "/api/v2/notifications?limit=80",
            "/api/v1/bookmarks?limit=40",
            "/api/v1/favourites?limit=40",
            "/api/v1/follow_requests",
            "/api/v1/blocks",
            "/api/v1/mutes",
            "/api/v2/suggestions",
            "/api/v1/preferences",
            "/api/v1/markers?timeline[]=home&timeline[]=notifications",
        ]
        if kind != ANONYMOUS:
            listing_owner["/api/v1/accounts/search?q=owner"] = may_find_by_name
            listed = {n["id"] for n in client.get("/api/v1/notifications?limit=80").json()}
            rows = Notification.objects.filter(recipient=user).values_list("pk", flat=True)
            signed_in += [f"/api/v1/notifications/{pk}" for pk in rows]
        answers = {}
        for path in paths + ([] if kind == ANONYMOUS else signed_in):
            response = client.get(path)
            if response.status_code not in (200, 404):
                problems.append(f"{privacy} {kind} {path}: {response.status_code}")
            answers[path] = (response.status_code, response.content.decode())
        everything = "".join(text for _, text in answers.values())
        tweets_ok, card_ok = may_see_tweets(kind, privacy), may_see_card(kind, privacy)
        if not tweets_ok and TWEET_MARK in everything:
            leaking = [path for path, (_, text) in answers.items() if TWEET_MARK in text]
            problems.append(f"{privacy} {kind}: statuses leak through {leaking}")
        if not card_ok and CARD_MARK in everything:
            leaking = [path for path, (_, text) in answers.items() if CARD_MARK in text]
            problems.append(f"{privacy} {kind}: the card leaks through {leaking}")
        # Who liked or reblogged one of the owner's statuses is about that status: 404 unless
        # the viewer may see it (the answer lists others, so the marks alone would not tell).
        owners = [tweets[name] for name in ("own", "own_thread", "reply_to_bystander")]
        about_owners = [
            f"/api/v1/statuses/{t.pk}/{name}"
            for t in owners
            for name in ("favourited_by", "reblogged_by")
        ]
        for path in owner_lists + about_owners:
            if (answers[path][0] == 200) is not tweets_ok:
                problems.append(f"{privacy} {kind} {path}: {answers[path][0]}")
        for path, rule in listing_owner.items():
            if (CARD_MARK in answers[path][1]) is not (rule(kind, privacy) and card_ok):
                problems.append(f"{privacy} {kind} {path}: the owner listed wrongly")
        if tweets_ok and TWEET_MARK not in answers[f"/api/v2/search?q={TWEET_MARK}"][1]:
            problems.append(f"{privacy} {kind}: search misses the owner's statuses")
        if kind not in (ANONYMOUS, OWNER):
            for path in ("/api/v1/bookmarks?limit=40", "/api/v1/favourites?limit=40"):
                if (TWEET_MARK in answers[path][1]) is not tweets_ok:
                    problems.append(f"{privacy} {kind} {path}: the owner's status wrongly shown")
        if kind != ANONYMOUS:
            by_id = {
                path.rsplit("/", 1)[1]
                for path, (code, _) in answers.items()
                if path.startswith("/api/v1/notifications/") and code == 200
            }
            if by_id != listed:
                problems.append(f"{privacy} {kind}: notifications by id {by_id} != list {listed}")
    return problems


@pytest.mark.parametrize("privacy", PRIVACIES)
def test_the_later_endpoints_leak_nothing(privacy):
    assert _leaks(_world(privacy, engaged=True), privacy) == []


def test_the_oracle_catches_a_likers_list_without_the_rule(monkeypatch):
    """Remove the rule from favourited_by (every liker listed): the oracle must notice."""
    from django.db.models import Q

    from mastodon_api import selectors

    world = _world(PRIVACIES[1], engaged=True)
    monkeypatch.setattr(selectors, "content_visible_q", lambda **kwargs: Q())
    problems = _leaks(world, PRIVACIES[1])
    assert any("favourited_by" in problem for problem in problems), problems


@pytest.mark.parametrize("privacy", PRIVACIES)
def test_trends_never_show_tags_only_hidden_statuses_carry(privacy):
    _world(privacy)
    tags = Client().get("/api/v1/trends/tags").content.decode()
    assert (OWN_TAG in tags) is (privacy == PRIVACIES[0])


def _authors(answer) -> set[str]:
    """The ids of the accounts an answer lists at the top level (statuses, reblogs, actors)."""
    if isinstance(answer, dict):
        if "notification_groups" in answer:
            return {a["id"] for a in answer["accounts"]} | _authors(answer["statuses"])
        return _authors(answer.get("accounts", [])) | _authors(answer.get("statuses", []))
    found = set()
    for item in answer:
        account = item.get("account", item)
        found.add(account["id"])
        if item.get("reblog"):
            found.add(item["reblog"]["account"]["id"])
    return found


def test_a_muted_account_leaves_the_muters_lists_but_not_its_own_pages():
    """As the project's lists: a muted account's statuses, reblogs and actions leave them.

    A status of someone else quoting it still embeds it (the rule shows the quote; the mute
    is about whose statuses fill the list), so this checks who the lists show, not the marks.
    """
    world = _world(PRIVACIES[0], engaged=True)
    owner, stranger = world.owner, world.viewers[STRANGER]
    client = Client(headers={"authorization": f"Bearer {token_for(stranger)}"})
    paths = (
        "/api/v1/timelines/home?limit=40",
        "/api/v1/timelines/public?limit=40",
        f"/api/v1/timelines/tag/{SHARED_TAG}?limit=40",
        f"/api/v2/search?q={TWEET_MARK}",
        "/api/v2/search?q=own",
        "/api/v1/accounts/search?q=own",
        "/api/v1/notifications?limit=80",
        "/api/v2/notifications?limit=80",
        "/api/v2/suggestions",
    )
    before = {path: _authors(client.get(path).json()) for path in paths}
    assert str(owner.pk) in set().union(*before.values())  # the test can fail
    assert client.post(f"/api/v1/accounts/{owner.pk}/mute").json()["muting"] is True
    for path in paths:
        assert str(owner.pk) not in _authors(client.get(path).json()), path
    assert TWEET_MARK in client.get(f"/api/v1/statuses/{world.tweets['own'].pk}").content.decode()
    assert CARD_MARK in client.get(f"/api/v1/accounts/{owner.pk}").content.decode()
    assert CARD_MARK in client.get("/api/v1/mutes").content.decode()
    # Its exact name still finds it, so that a client can look it up to unmute it.
    for path in ("/api/v2/search?q=owner", "/api/v1/accounts/search?q=owner"):
        assert str(owner.pk) in _authors(client.get(path).json()), path

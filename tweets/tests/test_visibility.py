"""The one visibility rule (DESIGN "Privacy") tried on every read surface, for every viewer."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Privacy, User
from accounts.services import user_set_active
from accounts.tests.factories import user_create
from social.selectors import (
    ProfileAccess,
    followers_list,
    following_list,
    profile_access,
    user_get_profile,
    user_get_visible,
)
from social.services import (
    FollowStatus,
    block_create,
    follow_create,
    follow_request_approve,
    privacy_set,
)
from timelines.selectors import timeline_home
from tweets.models import PLAIN_RETWEET, Tweet
from tweets.selectors import (
    tweet_get_visible,
    tweet_replies,
    tweets_by_hashtag,
    tweets_of_user,
)
from tweets.services import retweet_create
from tweets.tests.factories import post

pytestmark = pytest.mark.django_db

PUBLIC, PROTECTED, PRIVATE = Privacy.PUBLIC, Privacy.PROTECTED, Privacy.PRIVATE
FULL, CARD, MINIMAL = ProfileAccess.FULL, ProfileAccess.CARD, ProfileAccess.MINIMAL
NOTHING = None  # 404: the account does not exist for this viewer
TAG = "privacymatrix"

# DESIGN "Privacy", row by row: how much of each kind of account each viewer gets. FULL means
# profile, tweets and lists; staff see suspended accounts and hidden tweets (tested below) but
# get no privileges over protected or private accounts.
TABLE = {
    "anonymous": {PUBLIC: FULL, PROTECTED: CARD, PRIVATE: MINIMAL},
    "stranger": {PUBLIC: FULL, PROTECTED: CARD, PRIVATE: MINIMAL},
    "pending_requester": {PUBLIC: FULL, PROTECTED: CARD, PRIVATE: MINIMAL},
    "approved_follower": {PUBLIC: FULL, PROTECTED: FULL, PRIVATE: FULL},
    "owner": {PUBLIC: FULL, PROTECTED: FULL, PRIVATE: FULL},
    "blocked_by_owner": {PUBLIC: NOTHING, PROTECTED: NOTHING, PRIVATE: NOTHING},
    # The blocker still sees the profile (a card at most) to see and lift the block.
    "blocking_the_owner": {PUBLIC: CARD, PROTECTED: CARD, PRIVATE: MINIMAL},
    "staff": {PUBLIC: FULL, PROTECTED: CARD, PRIVATE: MINIMAL},
}
CELLS = [(viewer, account) for viewer in TABLE for account in (PUBLIC, PROTECTED, PRIVATE)]
# A signed-out visitor has no home timeline.
SIGNED_IN_CELLS = [(viewer, account) for viewer, account in CELLS if viewer != "anonymous"]


@dataclass
class Scene:
    """One cell of the table: a viewer, an owner's account and everything the owner wrote."""

    viewer_kind: str
    privacy: str
    viewer: User | AnonymousUser
    owner: User
    tweet: Tweet  # the owner's own tweet, tagged #TAG
    reply: Tweet  # the owner's reply to host_tweet
    host_tweet: Tweet  # a public third party's tweet
    retweet: Tweet  # a public amplifier's plain retweet of `tweet`, made while it was public
    fan: User  # a public account following the owner
    idol: User  # a public account the owner follows

    @property
    def access(self) -> str | None:
        return TABLE[self.viewer_kind][self.privacy]

    @property
    def sees_content(self) -> bool:
        return self.access == FULL


def _scene_build(viewer_kind: str, privacy: str) -> Scene:
    """Set up one cell through the services, the way the app itself gets there."""
    owner, fan, idol = user_create(), user_create(), user_create()
    host, amplifier = user_create(), user_create()
    host_tweet = post(host, "a public thread")
    tweet = post(owner, f"hello #{TAG}")
    reply = post(owner, "a reply", reply_to_id=host_tweet.pk)
    retweet_create(user=amplifier, tweet_id=tweet.pk)
    follow_create(follower=fan, followee=owner)
    follow_create(follower=owner, followee=idol)

    if viewer_kind == "anonymous":
        viewer = AnonymousUser()
    elif viewer_kind == "owner":
        viewer = owner
    else:
        viewer = user_create(is_staff=viewer_kind == "staff")
        # Every signed-in viewer follows the amplifier, so the retweet reaches their timeline.
        follow_create(follower=viewer, followee=amplifier)
    if viewer_kind in ("blocked_by_owner", "blocking_the_owner"):
        # An ex-follower: the block must also sever what the follow gave.
        follow_create(follower=viewer, followee=owner)
        blocker, blocked = (owner, viewer) if viewer_kind == "blocked_by_owner" else (viewer, owner)
        block_create(blocker=blocker, blocked=blocked)

    privacy_set(user=owner, privacy=privacy)

    if viewer_kind == "approved_follower":
        if follow_create(follower=viewer, followee=owner) == FollowStatus.REQUESTED:
            assert follow_request_approve(owner=owner, requester=viewer)
    elif viewer_kind == "pending_requester" and privacy != PUBLIC:
        # A request to a public account is an immediate follow, so that cell has none.
        assert follow_create(follower=viewer, followee=owner) == FollowStatus.REQUESTED

    retweet = Tweet.objects.get(PLAIN_RETWEET, user=amplifier, original_tweet=tweet)
    return Scene(
        viewer_kind=viewer_kind,
        privacy=privacy,
        viewer=viewer,
        owner=owner,
        tweet=tweet,
        reply=reply,
        host_tweet=host_tweet,
        retweet=retweet,
        fan=fan,
        idol=idol,
    )


@pytest.fixture(params=CELLS, ids=[f"{viewer}-{account}" for viewer, account in CELLS])
def scene(request) -> Scene:
    return _scene_build(*request.param)


def _shown(tweets) -> set[int]:
    """Return the ids of the tweets a page shows: a plain retweet shows its original."""
    return {t.original_tweet_id if t.is_plain_retweet else t.pk for t in tweets}


def test_profile_lookup_404s_only_where_the_table_says_nothing(scene):
    if scene.access is NOTHING:
        with pytest.raises(User.DoesNotExist):
            user_get_profile(viewer=scene.viewer, username=scene.owner.username.upper())
    else:
        found = user_get_profile(viewer=scene.viewer, username=scene.owner.username.upper())
        assert found.pk == scene.owner.pk


def test_profile_access_follows_the_table(scene):
    if scene.access is NOTHING:
        with pytest.raises(User.DoesNotExist):
            profile_access(viewer=scene.viewer, user=scene.owner)
    else:
        assert profile_access(viewer=scene.viewer, user=scene.owner) == scene.access


def test_single_tweet_visible_only_with_full_access(scene):
    for tweet in (scene.tweet, scene.reply, scene.retweet):
        if scene.sees_content:
            assert tweet_get_visible(viewer=scene.viewer, tweet_id=tweet.pk).pk == tweet.pk
        else:
            with pytest.raises(Tweet.DoesNotExist):
                tweet_get_visible(viewer=scene.viewer, tweet_id=tweet.pk)


def test_profile_tweets_listed_only_with_full_access_else_404(scene):
    if scene.sees_content:
        page = tweets_of_user(viewer=scene.viewer, user=scene.owner)
        assert [t.pk for t in page.items] == [scene.tweet.pk]
        with_replies = tweets_of_user(viewer=scene.viewer, user=scene.owner, include_replies=True)
        assert {t.pk for t in with_replies.items} == {scene.tweet.pk, scene.reply.pk}
    else:
        with pytest.raises(User.DoesNotExist):
            tweets_of_user(viewer=scene.viewer, user=scene.owner)
        with pytest.raises(User.DoesNotExist):
            tweets_of_user(viewer=scene.viewer, user=scene.owner, include_replies=True)


@pytest.mark.parametrize(
    ("viewer_kind", "privacy"),
    SIGNED_IN_CELLS,
    ids=[f"{viewer}-{account}" for viewer, account in SIGNED_IN_CELLS],
)
def test_home_timeline_shows_the_owners_tweet_only_with_full_access(viewer_kind, privacy):
    scene = _scene_build(viewer_kind, privacy)
    page = timeline_home(viewer=scene.viewer, limit=100)

    # Followers and the owner get it directly; everyone else follows the amplifier.
    assert (scene.tweet.pk in _shown(page.items)) is scene.sees_content
    if not scene.sees_content:
        assert all(
            scene.owner.pk not in (t.user_id, t.original_tweet and t.original_tweet.user_id)
            for t in page.items
        )


def test_thread_replies_show_the_owners_reply_only_with_full_access(scene):
    page = tweet_replies(viewer=scene.viewer, tweet=scene.host_tweet)

    assert ([t.pk for t in page.items] == [scene.reply.pk]) is scene.sees_content
    if not scene.sees_content:
        assert page.items == []


def test_hashtag_page_shows_the_owners_tweet_only_with_full_access(scene):
    page = tweets_by_hashtag(viewer=scene.viewer, tag=f"#{TAG.upper()}")

    assert [t.pk for t in page.items] == ([scene.tweet.pk] if scene.sees_content else [])


def test_follow_lists_shown_only_with_full_access_else_404(scene):
    if scene.sees_content:
        assert [u.pk for u in followers_list(viewer=scene.viewer, user=scene.owner).items] == (
            [scene.viewer.pk, scene.fan.pk]
            if scene.viewer_kind == "approved_follower"
            else [scene.fan.pk]
        )
        assert [u.pk for u in following_list(viewer=scene.viewer, user=scene.owner).items] == [
            scene.idol.pk
        ]
    else:
        for loader in (followers_list, following_list):
            with pytest.raises(User.DoesNotExist):
                loader(viewer=scene.viewer, user=scene.owner)


# Changes over time, threads, moderation and suspension.


def test_protecting_an_account_hides_its_past_tweets_at_once(anonymous):
    owner, follower, stranger = user_create(), user_create(), user_create()
    follow_create(follower=follower, followee=owner)
    tweet = post(owner, f"before #{TAG}")
    for viewer in (anonymous, stranger):
        assert tweet_get_visible(viewer=viewer, tweet_id=tweet.pk).pk == tweet.pk

    privacy_set(user=owner, privacy=PROTECTED)

    for viewer in (anonymous, stranger):
        with pytest.raises(Tweet.DoesNotExist):
            tweet_get_visible(viewer=viewer, tweet_id=tweet.pk)
        with pytest.raises(User.DoesNotExist):
            tweets_of_user(viewer=viewer, user=owner)
        assert tweets_by_hashtag(viewer=viewer, tag=TAG).items == []
    assert tweet_get_visible(viewer=follower, tweet_id=tweet.pk).pk == tweet.pk
    assert [t.pk for t in timeline_home(viewer=follower).items] == [tweet.pk]


def test_plain_retweet_disappears_for_non_followers_when_original_author_turns_protected(
    anonymous,
):
    author, amplifier = user_create(), user_create()
    author_follower, stranger = user_create(), user_create()
    follow_create(follower=author_follower, followee=author)
    follow_create(follower=stranger, followee=amplifier)
    original = post(author, "soon protected")
    retweet_create(user=amplifier, tweet_id=original.pk)
    retweet = Tweet.objects.get(PLAIN_RETWEET, user=amplifier)
    assert _shown(timeline_home(viewer=stranger).items) == {original.pk}

    privacy_set(user=author, privacy=PROTECTED)

    for viewer in (anonymous, stranger):
        with pytest.raises(Tweet.DoesNotExist):
            tweet_get_visible(viewer=viewer, tweet_id=retweet.pk)
        assert tweets_of_user(viewer=viewer, user=amplifier).items == []
    assert timeline_home(viewer=stranger).items == []
    # The author's followers still see it where the amplifier shows it.
    assert [t.pk for t in tweets_of_user(viewer=author_follower, user=amplifier).items] == [
        retweet.pk
    ]
    assert tweet_get_visible(viewer=author_follower, tweet_id=retweet.pk).pk == retweet.pk


def test_public_reply_to_protected_tweet_is_visible_by_its_own_author(anonymous):
    protected, replier = user_create(privacy=PROTECTED), user_create()
    follow_create(follower=replier, followee=protected)
    follow_request_approve(owner=protected, requester=replier)
    parent = post(protected, "protected parent")
    reply = post(replier, "public reply", reply_to_id=parent.pk)

    for viewer in (anonymous, user_create()):
        with pytest.raises(Tweet.DoesNotExist):
            tweet_get_visible(viewer=viewer, tweet_id=parent.pk)
        assert tweet_get_visible(viewer=viewer, tweet_id=reply.pk).pk == reply.pk
        page = tweets_of_user(viewer=viewer, user=replier, include_replies=True)
        assert [t.pk for t in page.items] == [reply.pk]


def test_protected_reply_to_public_tweet_is_hidden_from_non_followers(anonymous):
    author, replier, replier_follower = user_create(), user_create(), user_create()
    follow_create(follower=replier_follower, followee=replier)
    parent = post(author, "public parent")
    reply = post(replier, "soon protected reply", reply_to_id=parent.pk)
    privacy_set(user=replier, privacy=PROTECTED)

    for viewer in (anonymous, user_create(), author):
        assert tweet_replies(viewer=viewer, tweet=parent).items == []
        with pytest.raises(Tweet.DoesNotExist):
            tweet_get_visible(viewer=viewer, tweet_id=reply.pk)
    assert [t.pk for t in tweet_replies(viewer=replier_follower, tweet=parent).items] == [reply.pk]
    assert [t.pk for t in tweet_replies(viewer=replier, tweet=parent).items] == [reply.pk]


def _hide(tweet: Tweet) -> None:
    # No moderation service exists yet; a moderator's hide is this one column.
    Tweet.objects.filter(pk=tweet.pk).update(is_hidden=True)


def test_hidden_tweet_is_seen_by_staff_and_its_author_only(anonymous):
    author, follower, amplifier = user_create(), user_create(), user_create()
    staff = user_create(is_staff=True)
    follow_create(follower=follower, followee=author)
    follow_create(follower=follower, followee=amplifier)
    kept = post(author, "kept")
    hidden = post(author, f"hidden #{TAG}")
    retweet_create(user=amplifier, tweet_id=hidden.pk)
    reply = post(author, "hidden reply", reply_to_id=kept.pk)
    _hide(hidden)
    _hide(reply)
    retweet = Tweet.objects.get(PLAIN_RETWEET, user=amplifier)

    for viewer in (author, staff):
        assert tweet_get_visible(viewer=viewer, tweet_id=hidden.pk).pk == hidden.pk
        assert tweet_get_visible(viewer=viewer, tweet_id=retweet.pk).pk == retweet.pk
        assert {t.pk for t in tweets_of_user(viewer=viewer, user=author).items} == {
            kept.pk,
            hidden.pk,
        }
        assert [t.pk for t in tweets_by_hashtag(viewer=viewer, tag=TAG).items] == [hidden.pk]
        assert [t.pk for t in tweet_replies(viewer=viewer, tweet=kept).items] == [reply.pk]
    assert hidden.pk in _shown(timeline_home(viewer=author).items)

    for viewer in (anonymous, follower, user_create()):
        for tweet in (hidden, retweet, reply):
            with pytest.raises(Tweet.DoesNotExist):
                tweet_get_visible(viewer=viewer, tweet_id=tweet.pk)
        assert [t.pk for t in tweets_of_user(viewer=viewer, user=author).items] == [kept.pk]
        assert tweets_of_user(viewer=viewer, user=amplifier).items == []
        assert tweets_by_hashtag(viewer=viewer, tag=TAG).items == []
        assert tweet_replies(viewer=viewer, tweet=kept).items == []
    assert _shown(timeline_home(viewer=follower).items) == {kept.pk}


def test_suspended_users_profile_and_tweets_are_visible_only_to_staff(anonymous):
    owner, follower, amplifier, host = user_create(), user_create(), user_create(), user_create()
    staff = user_create(is_staff=True)
    follow_create(follower=follower, followee=owner)
    follow_create(follower=follower, followee=amplifier)
    host_tweet = post(host, "thread")
    tweet = post(owner, f"soon suspended #{TAG}")
    reply = post(owner, "reply", reply_to_id=host_tweet.pk)
    retweet_create(user=amplifier, tweet_id=tweet.pk)
    retweet = Tweet.objects.get(PLAIN_RETWEET, user=amplifier)

    user_set_active(user=owner, active=False)

    for viewer in (anonymous, follower, user_create()):
        with pytest.raises(User.DoesNotExist):
            user_get_visible(viewer=viewer, username=owner.username)
        with pytest.raises(User.DoesNotExist):
            profile_access(viewer=viewer, user=owner)
        for hidden in (tweet, reply, retweet):
            with pytest.raises(Tweet.DoesNotExist):
                tweet_get_visible(viewer=viewer, tweet_id=hidden.pk)
        with pytest.raises(User.DoesNotExist):
            tweets_of_user(viewer=viewer, user=owner)
        assert tweets_by_hashtag(viewer=viewer, tag=TAG).items == []
        assert tweet_replies(viewer=viewer, tweet=host_tweet).items == []
        assert tweets_of_user(viewer=viewer, user=amplifier).items == []
    assert timeline_home(viewer=follower).items == []

    assert user_get_visible(viewer=staff, username=owner.username).pk == owner.pk
    assert profile_access(viewer=staff, user=owner) == FULL
    for seen in (tweet, reply, retweet):
        assert tweet_get_visible(viewer=staff, tweet_id=seen.pk).pk == seen.pk
    assert [t.pk for t in tweets_of_user(viewer=staff, user=owner).items] == [tweet.pk]
    assert [t.pk for t in tweets_by_hashtag(viewer=staff, tag=TAG).items] == [tweet.pk]
    assert [t.pk for t in tweet_replies(viewer=staff, tweet=host_tweet).items] == [reply.pk]


def test_restoring_a_suspended_user_shows_everything_again(anonymous):
    owner = user_create()
    tweet = post(owner, "back")
    user_set_active(user=owner, active=False)

    user_set_active(user=owner, active=True)

    assert user_get_visible(viewer=anonymous, username=owner.username).pk == owner.pk
    assert tweet_get_visible(viewer=anonymous, tweet_id=tweet.pk).pk == tweet.pk


def test_visible_profile_leaves_out_retweets_of_accounts_that_block_the_viewer():
    owner, blocker, viewer = user_create(), user_create(), user_create()
    own = post(owner, "mine")
    theirs = post(blocker, "theirs")
    retweet_create(user=owner, tweet_id=theirs.pk)
    block_create(blocker=blocker, blocked=viewer)
    follow_create(follower=viewer, followee=owner)

    assert [t.pk for t in tweets_of_user(viewer=viewer, user=owner).items] == [own.pk]
    assert _shown(timeline_home(viewer=viewer).items) == {own.pk}
    assert _shown(tweets_of_user(viewer=user_create(), user=owner).items) == {own.pk, theirs.pk}

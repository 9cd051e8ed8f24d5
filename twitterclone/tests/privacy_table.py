"""DESIGN's privacy table as test data: the viewers, the markers, what each viewer may see.

The API and HTML privacy suites build their worlds differently but check them against this
one oracle, so the two surfaces cannot drift apart on what the rule should be.
"""

from accounts.models import Privacy

TWEET_MARK = "tweetmark"  # in every tweet of the owner's: its presence in an answer is a leak
CARD_MARK = "cardmark"  # in the owner's display name and bio
SHARED_TAG = "sharedtag"

PRIVACIES = [Privacy.PUBLIC, Privacy.PROTECTED, Privacy.PRIVATE]
ANONYMOUS, STRANGER, REQUESTER, FOLLOWER, OWNER, BLOCKED, BLOCKING = VIEWERS = [
    "anonymous",
    "stranger",
    "requester",
    "follower",
    "owner",
    "blocked_by_owner",
    "blocking_owner",
]


def may_see_profile(viewer: str, privacy: str) -> bool:
    """Return whether the owner's profile answers `viewer` at all (else 404).

    The one the owner blocked gets 404; the one who blocked the owner sees the profile, as a
    card at most, to see the block and lift it.
    """
    return viewer != BLOCKED


def may_see_card(viewer: str, privacy: str) -> bool:
    """Return whether `viewer` may see the owner's profile card (name, bio)."""
    if viewer == BLOCKED:
        return False
    return privacy != Privacy.PRIVATE or viewer in (FOLLOWER, OWNER)


def may_find(viewer: str, privacy: str) -> bool:
    """Return whether the owner may appear in lists and search shown to `viewer`."""
    if viewer in (BLOCKED, BLOCKING):
        return False
    return may_see_card(viewer, privacy)


def may_see_tweets(viewer: str, privacy: str) -> bool:
    """Return whether `viewer` may see the owner's tweets and lists."""
    if viewer in (BLOCKED, BLOCKING):
        return False
    return privacy == Privacy.PUBLIC or viewer in (FOLLOWER, OWNER)

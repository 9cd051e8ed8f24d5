"""Test helpers shared by the API suites: the whole graph and profile state, to prove that a
refused write wrote nothing."""

from accounts.models import User
from social.models import Block, FollowRequest, UserFollowers, UserFollows


def graph_state() -> tuple:
    """Return every graph row and every user's counters and profile: 'nothing written'."""
    return (
        sorted(UserFollows.objects.values_list("follower_id", "following_id")),
        sorted(UserFollowers.objects.values_list("user_id", "follower_id")),
        sorted(FollowRequest.objects.values_list("target_id", "requester_id")),
        sorted(Block.objects.values_list("blocker_id", "blocked_id")),
        sorted(
            User.objects.values_list(
                "pk",
                "display_name",
                "bio",
                "profile_image_url",
                "privacy",
                "followers_count",
                "following_count",
            )
        ),
    )


def follows(follower: User, followee: User) -> bool:
    """Tell whether `follower` follows `followee` (the follows table)."""
    return UserFollows.objects.filter(follower=follower, following=followee).exists()

"""Mastodon's client API paths, each with and without a trailing slash."""

from django.urls import path, re_path
from oauth2_provider import views as oauth_views

from . import discovery, media_views, oauth, streaming, views
from .cors import with_cors, with_cors_async


def both(route: str, view, name: str | None = None) -> list:
    """The path with and without its trailing slash (clients send either)."""
    return [
        re_path(rf"^{route}/?\Z", view, name=name),
    ]


ID = r"(?P<pk>[0-9]{1,19})"

urlpatterns = [
    *both("oauth/authorize", oauth.AuthorizeView.as_view(), "mastodon-authorize"),
    # Web clients exchange and revoke tokens from their own origin (mastodon_api.cors).
    *both("oauth/token", with_cors(oauth_views.TokenView.as_view()), "mastodon-token"),
    *both("oauth/revoke", with_cors(oauth_views.RevokeTokenView.as_view()), "mastodon-revoke"),
    path("mastodon/avatars/<int:pk>.svg", views.letter_avatar, name="mastodon-letter-avatar"),
    *both("api/v1/apps", views.AppsApi.as_view(), "mastodon-apps"),
    *both("api/v1/instance", views.InstanceApi.as_view(version=1), "mastodon-instance"),
    *both("api/v2/instance", views.InstanceApi.as_view(version=2), "mastodon-instance-v2"),
    *both(
        "api/v1/accounts/verify_credentials",
        views.VerifyCredentialsApi.as_view(),
        "mastodon-verify-credentials",
    ),
    *both("api/v1/accounts/relationships", views.RelationshipsApi.as_view()),
    *both("api/v1/accounts/lookup", views.AccountLookupApi.as_view()),
    *both(f"api/v1/accounts/{ID}", views.AccountApi.as_view()),
    *both(f"api/v1/accounts/{ID}/statuses", views.AccountStatusesApi.as_view()),
    *both(f"api/v1/accounts/{ID}/follow", views.FollowApi.as_view(follow=True)),
    *both(f"api/v1/accounts/{ID}/unfollow", views.FollowApi.as_view(follow=False)),
    *both("api/v1/statuses", views.StatusCreateApi.as_view()),
    *both(f"api/v1/statuses/{ID}", views.StatusApi.as_view()),
    *both(f"api/v1/statuses/{ID}/context", views.StatusContextApi.as_view()),
    *[
        item
        for action in views.StatusActionApi.ACTIONS
        for item in both(
            f"api/v1/statuses/{ID}/{action}", views.StatusActionApi.as_view(action=action)
        )
    ],
    *both("api/v1/timelines/home", views.HomeTimelineApi.as_view()),
    *both("api/v1/timelines/public", views.PublicTimelineApi.as_view()),
    *both(r"api/v1/timelines/tag/(?P<tag>[^/]{1,100})", views.TagTimelineApi.as_view()),
    *both("api/v1/notifications", views.NotificationsApi.as_view()),
    # The rest of issue 16's client endpoints (accounts' graph, lists, markers, search...).
    *both(
        "api/v1/accounts/update_credentials",
        views.UpdateCredentialsApi.as_view(),
        "mastodon-update-credentials",
    ),
    *both("api/v1/accounts/search", views.AccountSearchApi.as_view()),
    *both(f"api/v1/accounts/{ID}/followers", views.AccountFollowersApi.as_view(following=False)),
    *both(f"api/v1/accounts/{ID}/following", views.AccountFollowersApi.as_view(following=True)),
    *[
        item
        for action in views.AccountActionApi.ACTIONS
        for item in both(
            f"api/v1/accounts/{ID}/{action}", views.AccountActionApi.as_view(action=action)
        )
    ],
    *both(f"api/v1/statuses/{ID}/favourited_by", views.StatusAccountsApi.as_view(reblogged=False)),
    *both(f"api/v1/statuses/{ID}/reblogged_by", views.StatusAccountsApi.as_view(reblogged=True)),
    *both("api/v1/notifications/clear", views.NotificationsClearApi.as_view()),
    *both(f"api/v1/notifications/{ID}", views.NotificationApi.as_view()),
    *both(f"api/v1/notifications/{ID}/dismiss", views.NotificationDismissApi.as_view()),
    *both("api/v2/notifications", views.GroupedNotificationsApi.as_view()),
    *both("api/v1/follow_requests", views.FollowRequestsApi.as_view()),
    *both(
        f"api/v1/follow_requests/{ID}/authorize", views.FollowRequestAnswerApi.as_view(approve=True)
    ),
    *both(
        f"api/v1/follow_requests/{ID}/reject", views.FollowRequestAnswerApi.as_view(approve=False)
    ),
    *both("api/v1/blocks", views.BlocksApi.as_view()),
    *both("api/v1/mutes", views.MutesApi.as_view()),
    *both("api/v1/bookmarks", views.BookmarksApi.as_view()),
    *both("api/v1/favourites", views.FavouritesApi.as_view()),
    *both("api/v1/markers", views.MarkersApi.as_view()),
    *both("api/v2/search", views.SearchApi.as_view()),
    *both("api/v1/trends/tags", views.TrendingTagsApi.as_view()),
    *both("api/v1/trends", views.TrendingTagsApi.as_view()),
    *both("api/v2/suggestions", views.SuggestionsApi.as_view()),
    *both("api/v1/preferences", views.PreferencesApi.as_view()),
    *both("api/v1/custom_emojis", views.CustomEmojisApi.as_view()),
]

# Media, streaming, discovery (mastodon_api.media_views, .streaming, .discovery).
urlpatterns += [
    *both("api/v2/media", media_views.MediaCreateApi.as_view(), "mastodon-media-create"),
    *both("api/v1/media", media_views.MediaCreateApi.as_view()),
    *both(f"api/v1/media/{ID}", media_views.MediaApi.as_view(), "mastodon-media"),
    *both(
        "api/v1/streaming/health",
        with_cors_async(streaming.streaming_health),
        "mastodon-streaming-health",
    ),
    *both(
        "api/v1/streaming/user",
        with_cors_async(streaming.streaming_user),
        "mastodon-streaming-user",
    ),
    *both(
        "api/v1/streaming/user/notification",
        with_cors_async(streaming.streaming_user_notification),
    ),
    path(".well-known/nodeinfo", discovery.nodeinfo_index, name="mastodon-nodeinfo-index"),
    path("nodeinfo/2.0", discovery.nodeinfo, name="mastodon-nodeinfo"),
    path(".well-known/webfinger", discovery.webfinger, name="mastodon-webfinger"),
    path(".well-known/host-meta", discovery.host_meta, name="mastodon-host-meta"),
]

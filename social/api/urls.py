from django.urls import path

from . import suggestions, views

urlpatterns = [
    # The signed-in user's own lists live under me/; /blocks is kept free (Mastodon's API).
    path("me/blocks", views.MeBlocksApi.as_view(), name="api-me-blocks"),
    # /mutes is kept free too (Mastodon's API).
    path("me/mutes", views.MeMutesApi.as_view(), name="api-me-mutes"),
    path("me/muted-words", views.MeMutedWordsApi.as_view(), name="api-me-muted-words"),
    path(
        "me/muted-words/<bigint:pk>",
        views.MeMutedWordApi.as_view(),
        name="api-me-muted-word",
    ),
    path("me/suggestions", suggestions.MeSuggestionsApi.as_view(), name="api-me-suggestions"),
    path(
        "me/suggestions/<username:username>",
        suggestions.MeSuggestionApi.as_view(),
        name="api-me-suggestion",
    ),
    path("users/<username:username>", views.UserDetailApi.as_view(), name="api-user"),
    path(
        "users/<username:username>/followers",
        views.FollowersApi.as_view(),
        name="api-user-followers",
    ),
    path(
        "users/<username:username>/following",
        views.FollowingApi.as_view(),
        name="api-user-following",
    ),
    path("users/<username:username>/follow", views.FollowApi.as_view(), name="api-user-follow"),
    path("users/<username:username>/block", views.BlockApi.as_view(), name="api-user-block"),
    path("users/<username:username>/mute", views.MuteApi.as_view(), name="api-user-mute"),
    path(
        "users/<username:username>/follower",
        views.FollowerApi.as_view(),
        name="api-user-follower",
    ),
    path("follow-requests", views.FollowRequestsApi.as_view(), name="api-follow-requests"),
    path(
        "follow-requests/<username:username>/approve",
        views.FollowRequestApproveApi.as_view(),
        name="api-follow-request-approve",
    ),
    path(
        "follow-requests/<username:username>/reject",
        views.FollowRequestRejectApi.as_view(),
        name="api-follow-request-reject",
    ),
]

from django.urls import path

from . import bookmarks, views

urlpatterns = [
    path("tweets", views.TweetCreateApi.as_view(), name="api-tweets"),
    path("tweets/<bigint:pk>", views.TweetDetailApi.as_view(), name="api-tweet"),
    path("tweets/<bigint:pk>/replies", views.TweetRepliesApi.as_view(), name="api-tweet-replies"),
    path("tweets/<bigint:pk>/context", views.TweetContextApi.as_view(), name="api-tweet-context"),
    path("tweets/<bigint:pk>/like", views.TweetLikeApi.as_view(), name="api-tweet-like"),
    path("tweets/<bigint:pk>/retweet", views.TweetRetweetApi.as_view(), name="api-tweet-retweet"),
    path(
        "tweets/<bigint:pk>/bookmark",
        bookmarks.TweetBookmarkApi.as_view(),
        name="api-tweet-bookmark",
    ),
    path("tweets/<bigint:pk>/report", views.TweetReportApi.as_view(), name="api-tweet-report"),
    # Under me/: /bookmarks is kept free for a Mastodon-compatible API.
    path("me/bookmarks", bookmarks.MeBookmarksApi.as_view(), name="api-me-bookmarks"),
    path("timeline/home", views.HomeTimelineApi.as_view(), name="api-timeline-home"),
    path("users/<username:username>/tweets", views.UserTweetsApi.as_view(), name="api-user-tweets"),
    path("hashtags/<str:tag>", views.HashtagTweetsApi.as_view(), name="api-hashtag"),
]

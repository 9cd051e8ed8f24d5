from django.urls import path

from . import views

urlpatterns = [
    # The signed-in user's own notifications live under me/; /notifications is kept free
    # (Mastodon's API).
    path("me/notifications", views.NotificationsApi.as_view(), name="api-me-notifications"),
    path(
        "me/notifications/unread-count",
        views.UnreadCountApi.as_view(),
        name="api-me-notifications-unread-count",
    ),
    path("me/notifications/read", views.MarkReadApi.as_view(), name="api-me-notifications-read"),
    path(
        "me/notification-policy",
        views.NotificationPolicyApi.as_view(),
        name="api-me-notification-policy",
    ),
]

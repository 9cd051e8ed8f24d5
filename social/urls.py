from django.urls import path

from . import views

urlpatterns = [
    path("@<str:username>/follow", views.follow, name="follow"),
    path("@<str:username>/block", views.block, name="block"),
    path("@<str:username>/mute", views.mute, name="mute"),
    path("@<str:username>/followers", views.followers, name="followers"),
    path("@<str:username>/following", views.following, name="following"),
    path("follow-requests", views.follow_requests, name="follow_requests"),
    path("settings/blocks", views.blocks, name="blocks"),
    path(
        "suggestions/<str:username>/dismiss",
        views.suggestion_dismiss_view,
        name="suggestion_dismiss",
    ),
    path("settings/mutes", views.mutes, name="mutes"),
    path("settings/muted-words", views.muted_words, name="muted_words"),
    path("settings/muted-words/<int:pk>/delete", views.muted_word_delete, name="muted_word_delete"),
    path(
        "follow-requests/<str:username>/<str:decision>",
        views.follow_request_decide,
        name="follow_request_decide",
    ),
]

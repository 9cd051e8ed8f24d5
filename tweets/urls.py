from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("hashtag/<str:tag>", views.hashtag, name="hashtag"),
    path("@<str:username>/status/<int:pk>", views.tweet_detail, name="tweet_detail"),
    path("tweets/<int:pk>/like", views.like, name="like"),
    path("tweets/<int:pk>/retweet", views.retweet, name="retweet"),
    path("tweets/<int:pk>/bookmark", views.bookmark, name="bookmark"),
    path("bookmarks", views.bookmarks, name="bookmarks"),
    path("tweets/<int:pk>/delete", views.delete, name="tweet_delete"),
    path("tweets/<int:pk>/report", views.report, name="tweet_report"),
]

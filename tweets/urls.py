from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("@<str:username>", views.profile, name="profile"),
    path("@<str:username>/follow", views.follow, name="follow"),
    path("@<str:username>/status/<int:pk>", views.tweet_detail, name="tweet_detail"),
    path("tweets/<int:pk>/like", views.like, name="like"),
]

from django.urls import path

from . import views

urlpatterns = [
    path("live/new-tweets", views.new_tweets, name="live_new_tweets"),
]

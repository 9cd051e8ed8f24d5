from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from . import views

urlpatterns = [
    # The trailing slash is optional: /login/ and /signup/ were the first addresses.
    re_path(r"^login/?$", views.login_page, name="login"),
    re_path(r"^logout/?$", auth_views.LogoutView.as_view(), name="logout"),
    re_path(r"^signup/?$", views.signup, name="signup"),
    path("settings", views.settings_page, name="settings"),
    path("settings/password", views.password_change, name="password_change"),
    path("settings/images", views.settings_images, name="settings_images"),
    path("@<str:username>", views.profile, name="profile"),
    path("@<str:username>/with_replies", views.profile_replies, name="profile_replies"),
    path("@<str:username>/likes", views.profile_likes, name="profile_likes"),
]

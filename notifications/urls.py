from django.urls import path

from . import views

urlpatterns = [
    path("notifications", views.notifications, name="notifications"),
    path("notifications/read", views.mark_all_read, name="notifications_read"),
    path("settings/notifications", views.policy, name="notification_settings"),
]

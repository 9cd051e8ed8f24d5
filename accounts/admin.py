from django.contrib import admin

from .models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "email", "privacy", "verified", "is_active", "created_at"]
    search_fields = ["username", "email"]
    readonly_fields = ["followers_count", "following_count", "tweets_count", "password"]
    show_full_result_count = False

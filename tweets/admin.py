from django.contrib import admin

from .models import Tweet


@admin.register(Tweet)
class TweetAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "content", "created_at", "is_hidden"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "reply_to", "original_tweet"]
    readonly_fields = ["like_count", "retweet_count", "reply_count", "hashtags", "mentions"]
    show_full_result_count = False

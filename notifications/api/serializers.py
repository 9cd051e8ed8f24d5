"""Output serializers for notifications: a flat row, a grouped row, the policy."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import AuthorSerializer
from notifications.models import NotificationType
from social.api.serializers import ACCESS_CHOICES
from social.selectors import ProfileAccess
from tweets.api.serializers import TweetSerializer
from twitterclone.api import PageSerializer

# What a private actor the recipient may not see shows: the handle, as in every list.
ACTOR_MINIMAL_FIELDS = ("id", "username", "privacy", "access")


class ActorSerializer(AuthorSerializer):
    """Who did it: a user card, or only the handle for a private account (access minimal)."""

    # The people lists' choices, labels included: one enum in the OpenAPI schema.
    access = serializers.ChoiceField(choices=ACCESS_CHOICES, read_only=True)

    class Meta(AuthorSerializer.Meta):
        fields = [*AuthorSerializer.Meta.fields, "privacy", "access"]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in ACTOR_MINIMAL_FIELDS:
                field.required = False  # absent at minimal
        return fields

    def to_representation(self, user):
        data = super().to_representation(user)
        if user.access == ProfileAccess.MINIMAL:
            return {name: data[name] for name in ACTOR_MINIMAL_FIELDS}
        return data


class _TweetOf(serializers.Serializer):
    """The tweet field: the page's tweet card (tweets.api), null for the follow types."""

    @extend_schema_field(TweetSerializer(allow_null=True))
    def get_tweet(self, item):
        if item.tweet is None:
            return None
        if "tweet_serializer" not in self.context:
            # One serializer per page: building one per row costs more than rendering a row.
            self.context["tweet_serializer"] = TweetSerializer(context=self.context)
        return self.context["tweet_serializer"].to_representation(item.tweet)


class NotificationSerializer(_TweetOf):
    """One notification: `actor` did `type` (to the tweet, where there is one)."""

    id = serializers.IntegerField(read_only=True)
    type = serializers.ChoiceField(choices=NotificationType.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    unread = serializers.BooleanField(read_only=True)
    actor = ActorSerializer(read_only=True)
    tweet = serializers.SerializerMethodField()


class NotificationGroupSerializer(_TweetOf):
    """A grouped row: up to three newest actors of the group and how many there are.

    `actors_count` counts the members the recipient sees, up to 100 ("99+" past 99).
    """

    group_key = serializers.CharField(read_only=True)
    type = serializers.ChoiceField(choices=NotificationType.choices, read_only=True)
    latest_at = serializers.DateTimeField(read_only=True)
    unread = serializers.BooleanField(read_only=True)
    actors = ActorSerializer(many=True, read_only=True)
    actors_count = serializers.IntegerField(read_only=True)
    tweet = serializers.SerializerMethodField()


class NotificationPage(PageSerializer):
    """Schema only: a page of notifications, flat or (grouped=true) grouped."""

    results = PolymorphicProxySerializer(
        component_name="NotificationOrGroup",
        serializers=[NotificationSerializer, NotificationGroupSerializer],
        resource_type_field_name=None,
        many=True,
    )


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Unread notifications, counted up to 100.")


class MarkerSerializer(serializers.Serializer):
    last_read_id = serializers.IntegerField(help_text="Notifications above this id are unread.")


class PolicySerializer(serializers.Serializer):
    filter_not_following = serializers.BooleanField(
        help_text="Only notifications from accounts you follow."
    )
    filter_new_accounts_days = serializers.IntegerField(
        allow_null=True,
        help_text="Drop notifications from accounts younger than this many days (1..365).",
    )

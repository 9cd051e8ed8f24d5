"""Output serializers for tweets, shared by every endpoint that returns them."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import AuthorSerializer
from accounts.models import User
from media.api.serializers import MediaSerializer, absolute_media_url, media_item
from social.selectors import user_visible_q
from tweets.models import Tweet
from twitterclone.api import paged


def _iso(moment, zone) -> str:
    """Return DRF DateTimeField's ISO 8601 rendering of an aware datetime (UTC as "Z")."""
    value = moment.astimezone(zone).isoformat()
    return value.removesuffix("+00:00") + "Z" if value.endswith("+00:00") else value


def _author(user: User, request) -> dict:
    """AuthorSerializer's fields, without building its fields."""
    avatar = user.avatar_file
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "verified": user.verified,
        "profile_image_url": absolute_media_url(request, avatar)
        if avatar
        else user.profile_image_url,
    }


class _TweetFields(serializers.ModelSerializer):
    author = AuthorSerializer(source="user", read_only=True)
    reply_to_id = serializers.IntegerField(allow_null=True, read_only=True)
    mentions = serializers.SerializerMethodField()
    liked = serializers.SerializerMethodField()
    retweeted = serializers.SerializerMethodField()
    bookmarked = serializers.SerializerMethodField()
    media = serializers.SerializerMethodField()

    class Meta:
        model = Tweet
        fields = [
            "id",
            "author",
            "content",
            "created_at",
            "reply_to_id",
            "media_urls",
            "media",
            "sensitive",
            "hashtags",
            "mentions",
            "like_count",
            "retweet_count",
            "reply_count",
            "liked",
            "retweeted",
            "bookmarked",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_mentions(self, tweet: Tweet) -> list[str]:
        usernames = self.context.get("mention_usernames", {})
        return [usernames[pk] for pk in tweet.mentions if pk in usernames]

    @extend_schema_field(MediaSerializer(many=True))
    def get_media(self, tweet: Tweet) -> list[dict]:
        """The uploaded images, in the order they were attached."""
        request = self.context.get("request")
        return [media_item(request, item) for item in tweet.media]

    def get_liked(self, tweet: Tweet) -> bool:
        return bool(getattr(tweet, "viewer_liked", False))

    def get_retweeted(self, tweet: Tweet) -> bool:
        return bool(getattr(tweet, "viewer_retweeted", False))

    def get_bookmarked(self, tweet: Tweet) -> bool:
        """Whether the viewer bookmarked the tweet (private: false for everyone else)."""
        return bool(getattr(tweet, "viewer_bookmarked", False))

    # The fields above, rendered by hand: DRF builds every field of every serializer anew per
    # request (deep copies, model field mapping) and resolves each value through generic
    # machinery; on a page of 20 tweets that was over half the request's CPU (docs/performance.md
    # "Issue 17"). The declared fields stay for the schema and for `drf_representation`, which
    # tests compare this against, field by field, on every kind of tweet.
    def to_representation(self, tweet: Tweet) -> dict:
        if type(self).Meta.fields is not self._fast_fields:
            return super().to_representation(tweet)
        request = self.context.get("request")
        usernames = self.context.get("mention_usernames", {})
        reply_to = tweet.reply_to_id
        zone = self.__dict__.get("_zone")
        if zone is None:  # once per serializer (a request): the zone DateTimeField would use
            zone = self._zone = timezone.get_current_timezone()
        data = {
            "id": tweet.pk,
            "author": _author(tweet.user, request),
            "content": tweet.content,
            "created_at": _iso(tweet.created_at, zone),
            "reply_to_id": reply_to,
            "media_urls": [str(url) for url in tweet.media_urls],
            "media": [media_item(request, item) for item in tweet.media],
            "sensitive": tweet.sensitive,
            "hashtags": [str(tag) for tag in tweet.hashtags],
            "mentions": [usernames[pk] for pk in tweet.mentions if pk in usernames],
            "like_count": tweet.like_count,
            "retweet_count": tweet.retweet_count,
            "reply_count": tweet.reply_count,
            "liked": bool(getattr(tweet, "viewer_liked", False)),
            "retweeted": bool(getattr(tweet, "viewer_retweeted", False)),
            "bookmarked": bool(getattr(tweet, "viewer_bookmarked", False)),
        }
        self._fast_extra(tweet, data)
        return data

    def _fast_extra(self, tweet: Tweet, data: dict) -> None:
        """Add the fields a subclass declares beyond _TweetFields' own."""

    def drf_representation(self, tweet: Tweet) -> dict:
        """Return what DRF's generic field-by-field rendering makes (the reference in tests)."""
        return super().to_representation(tweet)


_TweetFields._fast_fields = _TweetFields.Meta.fields


class EmbeddedTweetSerializer(_TweetFields):
    """A quoted or retweeted original, inside another tweet."""


class TweetSerializer(_TweetFields):
    """A tweet: DESIGN "API contract"."""

    quote_of = serializers.SerializerMethodField()
    retweet_of = serializers.SerializerMethodField()

    class Meta(_TweetFields.Meta):
        fields = [*_TweetFields.Meta.fields, "quote_of", "retweet_of"]
        read_only_fields = fields

    @extend_schema_field(EmbeddedTweetSerializer(allow_null=True))
    def get_quote_of(self, tweet: Tweet):
        # A quoted tweet the viewer may not see is null ("unavailable"), never its text.
        if not tweet.is_quote or not getattr(tweet, "quote_visible", False):
            return None
        return self._embedded(tweet.original_tweet)

    @extend_schema_field(EmbeddedTweetSerializer(allow_null=True))
    def get_retweet_of(self, tweet: Tweet):
        if not tweet.is_plain_retweet:
            return None
        original = tweet.original_tweet
        # The row's flags are about what it shows: the original.
        original.viewer_liked = getattr(tweet, "viewer_liked", False)
        original.viewer_retweeted = getattr(tweet, "viewer_retweeted", False)
        original.viewer_bookmarked = getattr(tweet, "viewer_bookmarked", False)
        return self._embedded(original)

    def _fast_extra(self, tweet: Tweet, data: dict) -> None:
        data["quote_of"] = self.get_quote_of(tweet)
        data["retweet_of"] = self.get_retweet_of(tweet)

    def _embedded(self, original: Tweet) -> dict:
        # One embedded serializer per list, not one per row: building a serializer's fields
        # costs more than rendering a tweet with them.
        if not hasattr(self, "_embedded_serializer"):
            self._embedded_serializer = EmbeddedTweetSerializer(context=self.context)
        return self._embedded_serializer.to_representation(original)


TweetSerializer._fast_fields = TweetSerializer.Meta.fields


class ReplySerializer(TweetSerializer):
    """A reply in a thread: a tweet, and whether the viewer's mutes fold it away."""

    muted = serializers.SerializerMethodField()

    class Meta(TweetSerializer.Meta):
        fields = [*TweetSerializer.Meta.fields, "muted"]
        read_only_fields = fields

    def get_muted(self, tweet: Tweet) -> bool:
        """Whether the viewer muted its author or a word in it (shown folded, not dropped)."""
        return bool(getattr(tweet, "viewer_muted", ""))

    def _fast_extra(self, tweet: Tweet, data: dict) -> None:
        super()._fast_extra(tweet, data)
        data["muted"] = self.get_muted(tweet)


def tweet_context(request, tweets) -> dict:
    """Serializer context for `tweets`: the request and their mentions' usernames (1 query).

    Only accounts that exist for the viewer are named (the visibility rule): a suspended
    account or one blocking either side is left out exactly like a name nobody has, so
    `mentions` never tells a viewer that a hidden account exists. The author of the tweet
    is one viewer like any other.
    """
    ids = set()
    usernames = {}
    for tweet in tweets:
        if getattr(tweet, "mentioned", None) is not None:
            # "id:username" entries read by the page query under the same rule
            # (tweets.cards.tweet_cards).
            for entry in tweet.mentioned:
                user_id, username = entry.split(":", 1)
                usernames[int(user_id)] = username
            continue
        ids.update(tweet.mentions)
        if tweet.original_tweet_id and tweet.original_tweet is not None:
            ids.update(tweet.original_tweet.mentions)
    if ids:
        visible = User.objects.filter(user_visible_q(viewer=request.user), pk__in=ids)
        usernames.update(visible.values_list("pk", "username"))
    return {"request": request, "mention_usernames": usernames}


ReplySerializer._fast_fields = ReplySerializer.Meta.fields


# Schema-only serializers: the views build these bodies; the classes describe them once
# (paged() makes a new class per call, and two components with one name break the schema).

TweetPage = paged(TweetSerializer)
ReplyPage = paged(ReplySerializer)


class CountsSerializer(serializers.Serializer):
    """A tweet's counters after a like or retweet."""

    like_count = serializers.IntegerField()
    retweet_count = serializers.IntegerField()
    reply_count = serializers.IntegerField()


class ThreadSerializer(serializers.Serializer):
    """A tweet in its conversation: what it replies to (oldest first) and its replies."""

    ancestors = TweetSerializer(many=True)
    tweet = TweetSerializer()
    replies = ReplyPage()


class BookmarkStateSerializer(serializers.Serializer):
    """Whether the viewer has the tweet bookmarked, after a bookmark or its removal."""

    tweet_id = serializers.IntegerField(
        help_text="The tweet bookmarked: the original, when a plain retweet was named."
    )
    bookmarked = serializers.BooleanField()

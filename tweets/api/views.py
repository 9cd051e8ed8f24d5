"""API views for tweets, timelines and hashtags (DESIGN "API contract"); search is in search/api.

Each parses its input, calls one service or selector, and renders (STYLE "Views and API").
Where the contract puts two operations on one path (GET and DELETE /tweets/{id}, POST and
DELETE .../like and .../retweet), one view holds both, one method per operation.
"""

from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from media import services as media_services
from social.selectors import user_get_visible
from timelines.selectors import timeline_home
from tweets import selectors, services
from tweets.models import MAX_CONTENT_LENGTH, MAX_MEDIA_URLS, Report
from twitterclone.api import (
    BAD_REQUEST,
    BIGINT_MAX,
    FIELD_ERRORS_SCHEMA,
    THROTTLED,
    UNAUTHORIZED,
    ErrorSerializer,
    PageParams,
    PostThrottle,
    StrictBooleanField,
    TextField,
    WriteThrottle,
    page_next_url,
    page_params,
    page_response,
)

from .serializers import (
    CountsSerializer,
    ReplyPage,
    ReplySerializer,
    ThreadSerializer,
    TweetPage,
    TweetSerializer,
    tweet_context,
)

# Schema pieces shared by the views below.
BAD_PAGE = OpenApiResponse(
    FIELD_ERRORS_SCHEMA, description='A bad ?cursor= or ?limit=: {"cursor": ["message"]}.'
)
# Reads need no token, but a bad one is refused rather than ignored.
BAD_TOKEN = OpenApiResponse(ErrorSerializer, description="Invalid or revoked token.")
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such tweet, or one the viewer may not see."
)
USER_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such account, or one whose tweets the viewer may not see."
)
TWEET_ID = OpenApiParameter(
    "id",
    {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX},
    OpenApiParameter.PATH,
    description="A tweet id.",
)


class IdField(serializers.IntegerField):
    """A tweet id: a JSON integer that fits PostgreSQL's BIGINT (not "12", 12.0 or true)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=BIGINT_MAX, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class MediaUrlsField(serializers.ListField):
    """Up to four http(s) URLs; any bad item is one flat message, not {"0": [...]}."""

    child = serializers.URLField(max_length=services.MAX_MEDIA_URL_LENGTH)

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"max_length": services.MEDIA_TOO_MANY})
        super().__init__(max_length=MAX_MEDIA_URLS, **kwargs)

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except ValidationError:
            raise ValidationError([services.MEDIA_URL_INVALID]) from None


class MediaIdsField(serializers.ListField):
    """Up to four upload ids; any bad item is one flat message, not {"0": [...]}."""

    child = IdField()

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"max_length": media_services.MEDIA_TOO_MANY})
        super().__init__(max_length=media_services.MAX_MEDIA_PER_TWEET, **kwargs)

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except ValidationError:
            raise ValidationError([media_services.MEDIA_ID_INVALID]) from None


def _tweet_response(request, tweet, *, status_code=status.HTTP_200_OK) -> Response:
    return Response(
        TweetSerializer(tweet, context=tweet_context(request, [tweet])).data, status=status_code
    )


def _tweet_page_response(request, page) -> Response:
    return page_response(request, page, TweetSerializer, context=tweet_context(request, page.items))


class TweetCreateApi(APIView):
    throttle_classes = [PostThrottle]

    @extend_schema_serializer(component_name="TweetCreate")
    class InputSerializer(serializers.Serializer):
        # No max_length here: the service counts after cleaning (a CRLF is one line break,
        # control characters go), as for the HTML form; a raw count would refuse a tweet
        # the form takes.
        content = TextField(
            trim_whitespace=False,
            error_messages={"blank": services.CONTENT_REQUIRED},
            help_text=(
                f"At most {MAX_CONTENT_LENGTH} characters, counted after line breaks are "
                "normalised and control characters removed."
            ),
        )
        reply_to_id = IdField(required=False, allow_null=True)
        quote_of_id = IdField(required=False, allow_null=True)
        media_urls = MediaUrlsField(required=False)
        media_ids = MediaIdsField(
            required=False,
            help_text="Ids of the caller's own unattached uploads (POST /uploads), at most 4.",
        )
        sensitive = StrictBooleanField(
            required=False, default=False, help_text="Blur the images behind a click."
        )

    @extend_schema(
        operation_id="tweets_create",
        summary="Post a tweet, a reply (reply_to_id) or a quote (quote_of_id)",
        request=InputSerializer,
        responses={201: TweetSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 429: THROTTLED},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tweet = services.tweet_create(author=request.user, **data.validated_data)
        # Through the rule again: a quote's original and the named mentions are read back.
        tweet = selectors.tweet_get_visible_posted(viewer=request.user, tweet=tweet)
        return _tweet_response(request, tweet, status_code=status.HTTP_201_CREATED)


class TweetDetailApi(APIView):
    """GET shows one tweet; DELETE deletes it (author or staff)."""

    def get_throttles(self):
        return [WriteThrottle()] if self.request.method == "DELETE" else []

    @extend_schema(
        operation_id="tweets_retrieve",
        summary="One tweet",
        parameters=[TWEET_ID],
        responses={200: TweetSerializer, 401: BAD_TOKEN, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        tweet = selectors.tweet_get_visible(viewer=request.user, tweet_id=pk)
        return _tweet_response(request, tweet)

    @extend_schema(
        operation_id="tweets_destroy",
        summary="Delete a tweet, its likes and its retweets (author or staff)",
        parameters=[TWEET_ID],
        request=None,
        responses={
            204: None,
            401: UNAUTHORIZED,
            403: OpenApiResponse(
                ErrorSerializer, description="The viewer sees the tweet but did not write it."
            ),
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def delete(self, request, pk: int):
        tweet = selectors.tweet_get_visible(viewer=request.user, tweet_id=pk)
        services.tweet_delete(tweet=tweet, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TweetRepliesApi(APIView):
    @extend_schema(
        operation_id="tweets_replies_list",
        summary="The visible replies to a tweet, newest first",
        description="`muted`: the viewer muted its author or a word in it (show it folded).",
        parameters=[TWEET_ID, PageParams],
        responses={200: ReplyPage, 400: BAD_PAGE, 401: BAD_TOKEN, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        params = page_params(request)
        tweet = selectors.tweet_get_visible(viewer=request.user, tweet_id=pk)
        page = selectors.tweet_replies(viewer=request.user, tweet=tweet, **params)
        context = tweet_context(request, page.items)
        return page_response(request, page, ReplySerializer, context=context)


class TweetContextApi(APIView):
    @extend_schema(
        operation_id="tweets_context_retrieve",
        summary="A tweet with the visible tweets it replies to and its first replies",
        description="`replies.next` continues with GET /tweets/{id}/replies.",
        parameters=[TWEET_ID, PageParams],
        responses={200: ThreadSerializer, 400: BAD_PAGE, 401: BAD_TOKEN, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        # The replies here are the first page of /replies: its cursors work in both.
        replies_path = reverse("api-tweet-replies", kwargs={"pk": pk})
        params = page_params(request, path=replies_path)
        thread = selectors.tweet_context(viewer=request.user, tweet_id=pk, **params)
        replies = thread.replies
        context = tweet_context(request, [*thread.ancestors, thread.tweet, *replies.items])
        next_url = page_next_url(
            request, replies.next_cursor, path=replies_path, query={"limit": params["limit"]}
        )
        return Response(
            {
                "ancestors": TweetSerializer(thread.ancestors, many=True, context=context).data,
                "tweet": TweetSerializer(thread.tweet, context=context).data,
                "replies": {
                    "results": ReplySerializer(replies.items, many=True, context=context).data,
                    "next": next_url,
                },
            }
        )


def _counts_schema(action: str, operation_id: str, summary: str, *, can_refuse: bool = False):
    responses = {
        200: CountsSerializer,
        401: UNAUTHORIZED,
        404: NOT_FOUND,
        429: THROTTLED,
    }
    if can_refuse:
        responses[400] = OpenApiResponse(
            FIELD_ERRORS_SCHEMA, description="Protected and private tweets cannot be retweeted."
        )
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=f"A plain retweet stands for its original: the {action} applies to it, "
        "and the counts are the original's. Idempotent.",
        parameters=[TWEET_ID],
        request=None,
        responses=responses,
    )


class TweetLikeApi(APIView):
    throttle_classes = [WriteThrottle]

    @_counts_schema("like", "tweets_like_create", "Like a tweet")
    def post(self, request, pk: int):
        counts = services.like_create(user=request.user, tweet_id=pk)
        return Response(CountsSerializer(counts).data)

    @_counts_schema("like", "tweets_like_destroy", "Take back a like")
    def delete(self, request, pk: int):
        counts = services.like_delete(user=request.user, tweet_id=pk)
        return Response(CountsSerializer(counts).data)


class TweetRetweetApi(APIView):
    throttle_classes = [WriteThrottle]

    @_counts_schema("retweet", "tweets_retweet_create", "Retweet a tweet", can_refuse=True)
    def post(self, request, pk: int):
        counts = services.retweet_create(user=request.user, tweet_id=pk)
        return Response(CountsSerializer(counts).data)

    @_counts_schema("retweet", "tweets_retweet_destroy", "Undo a retweet")
    def delete(self, request, pk: int):
        counts = services.retweet_delete(user=request.user, tweet_id=pk)
        return Response(CountsSerializer(counts).data)


class HomeTimelineApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="timeline_home_list",
        summary="The home timeline: own tweets and followed accounts', newest first",
        parameters=[PageParams],
        responses={200: TweetPage, 400: BAD_PAGE, 401: UNAUTHORIZED},
    )
    def get(self, request):
        page = timeline_home(viewer=request.user, **page_params(request))
        return _tweet_page_response(request, page)


class UserTweetsApi(APIView):
    @extend_schema_serializer(component_name="UserTweetsParams")
    class InputSerializer(serializers.Serializer):
        replies = serializers.BooleanField(
            required=False, default=False, help_text="Include the user's replies."
        )

    @extend_schema(
        operation_id="users_tweets_list",
        summary="A user's tweets and retweets, newest first",
        parameters=[InputSerializer, PageParams],
        responses={200: TweetPage, 400: BAD_PAGE, 401: BAD_TOKEN, 404: USER_NOT_FOUND},
    )
    def get(self, request, username: str):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        params = page_params(request)
        user = user_get_visible(viewer=request.user, username=username)
        page = selectors.tweets_of_user(
            viewer=request.user,
            user=user,
            include_replies=data.validated_data["replies"],
            **params,
        )
        return _tweet_page_response(request, page)


class HashtagTweetsApi(APIView):
    @extend_schema(
        operation_id="hashtags_tweets_list",
        summary="Visible tweets carrying a hashtag, newest first",
        description="The tag without '#', any case. (A tag called `trending` is shadowed by "
        "GET /hashtags/trending.)",
        parameters=[PageParams],
        responses={200: TweetPage, 400: BAD_PAGE, 401: BAD_TOKEN},
    )
    def get(self, request, tag: str):
        page = selectors.tweets_by_hashtag(viewer=request.user, tag=tag, **page_params(request))
        return _tweet_page_response(request, page)


class ReportSerializer(serializers.ModelSerializer):
    tweet_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Report
        fields = ["id", "tweet_id", "reason", "status", "created_at"]
        read_only_fields = fields


class TweetReportApi(APIView):
    """Report a tweet to the moderators."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema_serializer(component_name="ReportCreate")
    class InputSerializer(serializers.Serializer):
        reason = TextField(
            max_length=500,
            error_messages={
                "blank": services.REPORT_REASON_REQUIRED,
                "max_length": services.REPORT_REASON_TOO_LONG,
            },
        )

    @extend_schema(
        operation_id="tweets_report_create",
        summary="Report a tweet (201; 200 with the open report when already reported)",
        parameters=[TWEET_ID],
        request=InputSerializer,
        responses={
            201: ReportSerializer,
            200: ReportSerializer,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = services.report_create(
            reporter=request.user, tweet_id=pk, reason=data.validated_data["reason"]
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReportSerializer(report).data, status=code)

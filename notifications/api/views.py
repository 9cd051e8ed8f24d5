"""API views for the signed-in user's notifications (all under /me: /notifications stays free).

Each parses its input, calls one service or selector, and renders (STYLE "Views and API").
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.models import MAX_NEW_ACCOUNT_DAYS, NotificationType
from tweets.api.serializers import tweet_context
from twitterclone.api import (
    BAD_REQUEST,
    BIGINT_MAX,
    FIELD_ERRORS_SCHEMA,
    THROTTLED,
    UNAUTHORIZED,
    PageParams,
    StrictBooleanField,
    WriteThrottle,
    page_params,
    page_response,
)

from .serializers import (
    MarkerSerializer,
    NotificationGroupSerializer,
    NotificationPage,
    NotificationSerializer,
    PolicySerializer,
    UnreadCountSerializer,
)

_TYPE_NAMES = "|".join(NotificationType.values)
# Stated in the schema too: a comma-separated list of known types.
TYPES_PATTERN = rf"^(?:{_TYPE_NAMES})(?:,(?:{_TYPE_NAMES}))*$"


class _TypesField(serializers.RegexField):
    """?types=: a present but empty value is refused, not read as "absent" (DRF's default)."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)


class NotificationsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="NotificationsParams")
    class InputSerializer(serializers.Serializer):
        types = _TypesField(
            TYPES_PATTERN,
            required=False,
            max_length=200,
            help_text="Comma-separated types to keep (mention,reply,quote for the Mentions tab).",
            error_messages={
                "invalid": selectors.TYPES_INVALID.format(types=", ".join(NotificationType.values))
            },
        )
        grouped = serializers.BooleanField(
            required=False, default=False, help_text="Group likes, retweets and follows."
        )

    @extend_schema(
        operation_id="me_notifications_list",
        summary="The signed-in user's notifications, newest first, flat or grouped",
        description=(
            "Flat items are notifications; with grouped=true each item is a group (likes and "
            "retweets of one tweet per UTC day, follows per UTC day, everything else alone), "
            "ordered by its newest member. Only what the visibility rule, the user's mutes and "
            "notification policy let through is listed."
        ),
        parameters=[InputSerializer, PageParams],
        responses={200: NotificationPage, 400: BAD_REQUEST, 401: UNAUTHORIZED},
    )
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        grouped = data.validated_data["grouped"]
        page = selectors.notifications_page(
            viewer=request.user,
            types=data.validated_data.get("types") or None,
            grouped=grouped,
            **page_params(request),
        )
        tweets = [item.tweet for item in page.items if item.tweet is not None]
        serializer = NotificationGroupSerializer if grouped else NotificationSerializer
        return page_response(request, page, serializer, context=tweet_context(request, tweets))


class UnreadCountApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_notifications_unread_count",
        summary="How many notifications are unread (counted up to 100)",
        responses={200: UnreadCountSerializer, 401: UNAUTHORIZED},
    )
    def get(self, request):
        return Response({"count": selectors.notifications_unread_count(viewer=request.user)})


class _IdField(serializers.IntegerField):
    """A notification id: a JSON integer that fits BIGINT (not "12", 12.0 or true)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=BIGINT_MAX, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class MarkReadApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema_serializer(component_name="NotificationsRead")
    class InputSerializer(serializers.Serializer):
        up_to_id = _IdField(
            required=False,
            allow_null=True,
            help_text="Mark read up to this notification; omitted or null: everything.",
        )

    @extend_schema(
        operation_id="me_notifications_read",
        summary="Mark notifications read; the marker never moves backwards",
        request=InputSerializer,
        responses={
            200: MarkerSerializer,
            400: OpenApiResponse(
                FIELD_ERRORS_SCHEMA,
                description='Not one of the user\'s notification ids: {"up_to_id": ["..."]}.',
            ),
            401: UNAUTHORIZED,
            429: THROTTLED,
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marker = services.notifications_mark_read(
            user=request.user, up_to_id=data.validated_data.get("up_to_id")
        )
        return Response({"last_read_id": marker})


class NotificationPolicyApi(APIView):
    permission_classes = [IsAuthenticated]

    def get_throttles(self):
        return [] if self.request.method == "GET" else [WriteThrottle()]

    @extend_schema_serializer(component_name="NotificationPolicyUpdate")
    class InputSerializer(serializers.Serializer):
        filter_not_following = StrictBooleanField(required=False)
        filter_new_accounts_days = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=MAX_NEW_ACCOUNT_DAYS
        )

    @extend_schema(
        operation_id="me_notification_policy_get",
        summary="The signed-in user's notification policy",
        responses={200: PolicySerializer, 401: UNAUTHORIZED},
    )
    def get(self, request):
        row = selectors.notification_settings_get(user=request.user)
        return Response(PolicySerializer(row).data)

    @extend_schema(
        operation_id="me_notification_policy_update",
        summary="Change the notification policy; absent fields stay as they are",
        request=InputSerializer,
        responses={200: PolicySerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 429: THROTTLED},
    )
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.notification_policy_update(user=request.user, **data.validated_data)
        return Response(PolicySerializer(row).data)

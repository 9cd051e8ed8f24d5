"""API views for who-to-follow: the signed-in user's suggestions and dismissing one."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from social.suggestions import (
    DEFAULT_SUGGESTIONS,
    LIMIT_INVALID,
    MAX_SUGGESTIONS,
    suggestion_dismiss,
    suggestions_for,
)
from twitterclone.api import (
    BAD_REQUEST,
    THROTTLED,
    UNAUTHORIZED,
    ErrorSerializer,
    WriteThrottle,
)

from .serializers import PersonSerializer


class SuggestionListSerializer(serializers.Serializer):
    """Schema of the suggestions: people, best first; not paginated."""

    results = PersonSerializer(many=True)


class MeSuggestionsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="SuggestionsParams")
    class InputSerializer(serializers.Serializer):
        limit = serializers.IntegerField(
            required=False,
            default=DEFAULT_SUGGESTIONS,
            min_value=1,
            max_value=MAX_SUGGESTIONS,
            error_messages={"min_value": LIMIT_INVALID, "max_value": LIMIT_INVALID},
        )

    @extend_schema(
        operation_id="me_suggestions_list",
        summary="People to follow: accounts followed by those the signed-in user follows",
        description="Ranked by how many of the user's followees follow each, then by their "
        "latest tweet; the most followed accounts when that gives too few. Never private, "
        "followed, requested, blocked, muted, suspended or dismissed accounts. The ranking is "
        "kept 5 minutes, but a follow, block, mute or dismissal applies at once.",
        parameters=[InputSerializer],
        responses={200: SuggestionListSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED},
    )
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        people = suggestions_for(viewer=request.user, limit=data.validated_data["limit"])
        results = PersonSerializer(people, many=True, context={"request": request}).data
        return Response({"results": results})


class MeSuggestionApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @extend_schema(
        operation_id="me_suggestions_destroy",
        summary="Never suggest this account again",
        description="Idempotent (204 also when it was dismissed already).",
        request=None,
        responses={
            204: OpenApiResponse(None, description="Dismissed."),
            401: UNAUTHORIZED,
            404: OpenApiResponse(
                ErrorSerializer, description="No such account, or not one the viewer may see."
            ),
            429: THROTTLED,
        },
    )
    def delete(self, request, username: str):
        suggestion_dismiss(user=request.user, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)

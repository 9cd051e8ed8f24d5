"""API views for search and trending hashtags (DESIGN "API contract"); paths as before."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import UserSerializer
from search import selectors
from tweets.api.serializers import TweetSerializer, tweet_context
from twitterclone.api import (
    BAD_REQUEST,
    ErrorSerializer,
    PageParams,
    page_params,
    page_response,
)

from .serializers import SearchPageSerializer, TrendingSerializer, TrendingTagSerializer

# Reads need no token, but a bad one is refused rather than ignored.
BAD_TOKEN = OpenApiResponse(ErrorSerializer, description="Invalid or revoked token.")


class TrendingHashtagsApi(APIView):
    @extend_schema(
        operation_id="hashtags_trending_list",
        summary="Tags used by the most distinct authors lately, against the day before",
        responses={200: TrendingSerializer, 401: BAD_TOKEN},
    )
    def get(self, request):
        tags = selectors.hashtags_trending()
        return Response({"results": TrendingTagSerializer(tags, many=True).data})


class SearchApi(APIView):
    @extend_schema_serializer(component_name="SearchParams")
    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(
            min_length=1,
            max_length=selectors.MAX_QUERY_LENGTH,
            help_text='Tweets: words, "a phrase", or, -word. Users: the start of a username '
            "or display name.",
        )
        type = serializers.ChoiceField(choices=["tweets", "users"], default="tweets")

    @extend_schema(
        operation_id="search_list",
        summary="Search tweets (full text, newest first) or users (name prefix, by username)",
        parameters=[InputSerializer, PageParams],
        responses={200: SearchPageSerializer, 400: BAD_REQUEST, 401: BAD_TOKEN},
    )
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        query, kind = data.validated_data["q"], data.validated_data["type"]
        params = page_params(request)
        if kind == "users":
            page = selectors.users_search(viewer=request.user, query=query, **params)
            return page_response(request, page, UserSerializer)
        page = selectors.tweets_search(viewer=request.user, query=query, **params)
        return page_response(
            request, page, TweetSerializer, context=tweet_context(request, page.items)
        )

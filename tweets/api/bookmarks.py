"""API views for the signed-in user's bookmarks: private, never shown to anyone else."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from tweets import selectors, services
from twitterclone.api import (
    THROTTLED,
    UNAUTHORIZED,
    PageParams,
    WriteThrottle,
    page_params,
    page_response,
)

from .serializers import BookmarkStateSerializer, TweetPage, TweetSerializer, tweet_context
from .views import BAD_PAGE, NOT_FOUND, TWEET_ID


def _bookmark_schema(operation_id: str, summary: str):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description="A plain retweet stands for its original, which is what is bookmarked. "
        "Idempotent. Bookmarks are private: nobody else sees them or how many a tweet has.",
        parameters=[TWEET_ID],
        request=None,
        responses={
            200: BookmarkStateSerializer,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )


class TweetBookmarkApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [WriteThrottle]

    @_bookmark_schema("tweets_bookmark_create", "Bookmark a tweet")
    def post(self, request, pk: int):
        tweet_id = services.bookmark_create(user=request.user, tweet_id=pk)
        return Response(BookmarkStateSerializer({"tweet_id": tweet_id, "bookmarked": True}).data)

    @_bookmark_schema("tweets_bookmark_destroy", "Remove a bookmark")
    def delete(self, request, pk: int):
        tweet_id = services.bookmark_delete(user=request.user, tweet_id=pk)
        return Response(BookmarkStateSerializer({"tweet_id": tweet_id, "bookmarked": False}).data)


class MeBookmarksApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_bookmarks_list",
        summary="The signed-in user's bookmarks, most recent bookmark first",
        description="Only tweets the user may still see: a bookmarked tweet that went out of "
        "reach (its account protected, a block) is left out, and comes back with access.",
        parameters=[PageParams],
        responses={200: TweetPage, 400: BAD_PAGE, 401: UNAUTHORIZED},
    )
    def get(self, request):
        page = selectors.bookmarks_list(viewer=request.user, **page_params(request))
        return page_response(
            request, page, TweetSerializer, context=tweet_context(request, page.items)
        )

"""API views: each parses input, calls one service or selector, renders (STYLE)."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from social import services
from social.selectors import (
    blocks_list,
    follow_requests_incoming,
    followers_list,
    following_list,
    muted_words_list,
    mutes_list,
    profile_access,
    relationship_get,
    user_get_blockable,
    user_get_profile,
    user_get_visible,
)
from twitterclone.api import (
    BAD_REQUEST,
    BIGINT_MAX,
    THROTTLED,
    UNAUTHORIZED,
    ErrorSerializer,
    PageParams,
    TextField,
    WriteThrottle,
    page_params,
    page_response,
    paged,
)
from twitterclone.pagination import Page

from .serializers import (
    BlockedProfileSerializer,
    MutedWordSerializer,
    PersonSerializer,
    ProfileSerializer,
)

NO_SUCH_REQUEST = "No such follow request."

NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such account, or not one the viewer may see."
)
NO_CONTENT = OpenApiResponse(None, description="Done (also when there was nothing to undo).")
PERSON_PAGE = paged(PersonSerializer)


# Throttles a view's writes (WriteThrottle), never its reads. A comment, not a docstring:
# drf-spectacular would publish a docstring as every operation's description.
class _WritesThrottled:
    def get_throttles(self):
        return [] if self.request.method == "GET" else [WriteThrottle()]


class UserDetailApi(APIView):
    @extend_schema(
        summary="A profile, as much of it as the viewer may see, and the viewer's relationship",
        description=(
            "An account the viewer blocked answers with access `card` (`minimal` if private) "
            "and `relationship.blocking` true; the account they blocked gets 404."
        ),
        responses={200: ProfileSerializer, 401: UNAUTHORIZED, 404: NOT_FOUND},
    )
    def get(self, request, username: str):
        user = user_get_profile(viewer=request.user, username=username)
        context = {
            "access": profile_access(viewer=request.user, user=user),
            "relationship": relationship_get(viewer=request.user, user=user),
        }
        return Response(ProfileSerializer(user, context=context).data)


LIST_RESPONSES = {200: PERSON_PAGE, 400: BAD_REQUEST, 401: UNAUTHORIZED, 404: NOT_FOUND}


class FollowersApi(APIView):
    @extend_schema(
        summary="Who follows this account, newest first",
        parameters=[PageParams],
        responses=LIST_RESPONSES,
    )
    def get(self, request, username: str):
        params = page_params(request)
        user = user_get_visible(viewer=request.user, username=username)
        page = followers_list(viewer=request.user, user=user, **params)
        return page_response(request, page, PersonSerializer)


class FollowingApi(APIView):
    @extend_schema(
        summary="Whom this account follows, newest first",
        parameters=[PageParams],
        responses=LIST_RESPONSES,
    )
    def get(self, request, username: str):
        params = page_params(request)
        user = user_get_visible(viewer=request.user, username=username)
        page = following_list(viewer=request.user, user=user, **params)
        return page_response(request, page, PersonSerializer)


WRITE_RESPONSES = {
    204: NO_CONTENT,
    400: BAD_REQUEST,
    401: UNAUTHORIZED,
    404: NOT_FOUND,
    429: THROTTLED,
}


class FollowApi(_WritesThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Follow, or ask to follow a protected or private account",
        request=None,
        responses={
            200: inline_serializer(
                "FollowResult",
                {
                    "status": serializers.CharField(
                        help_text='"following", or "requested" for a protected or private account'
                    )
                },
            ),
            **{code: WRITE_RESPONSES[code] for code in (400, 401, 404, 429)},
        },
    )
    def post(self, request, username: str):
        user = user_get_visible(viewer=request.user, username=username)
        result = services.follow_create(follower=request.user, followee=user)
        return Response({"status": result})

    @extend_schema(
        summary="Unfollow, or withdraw a pending follow request",
        request=None,
        responses={code: WRITE_RESPONSES[code] for code in (204, 401, 404, 429)},
    )
    def delete(self, request, username: str):
        user = user_get_visible(viewer=request.user, username=username)
        services.follow_delete(follower=request.user, followee=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BlockApi(_WritesThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Block an account: follows and requests both ways are dropped",
        request=None,
        responses=WRITE_RESPONSES,
    )
    def post(self, request, username: str):
        user = user_get_blockable(viewer=request.user, username=username)
        services.block_create(blocker=request.user, blocked=user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Lift a block; follows it severed stay severed",
        request=None,
        responses={code: WRITE_RESPONSES[code] for code in (204, 401, 404, 429)},
    )
    def delete(self, request, username: str):
        user = user_get_blockable(viewer=request.user, username=username)
        services.block_delete(blocker=request.user, blocked=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowerApi(_WritesThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Remove a follower without blocking them",
        request=None,
        responses={code: WRITE_RESPONSES[code] for code in (204, 401, 404, 429)},
    )
    def delete(self, request, username: str):
        user = user_get_visible(viewer=request.user, username=username)
        services.follower_remove(user=request.user, follower=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowRequestsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Pending requests to follow the signed-in user, newest first",
        parameters=[PageParams],
        responses={200: PERSON_PAGE, 400: BAD_REQUEST, 401: UNAUTHORIZED},
    )
    def get(self, request):
        params = page_params(request)
        page = follow_requests_incoming(user=request.user, **params)
        return page_response(request, page, PersonSerializer)


class MeBlocksApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Accounts the signed-in user blocked, newest block first",
        description=(
            "Each as its profile shows to the blocker: access `card` (`minimal` if private), "
            "`relationship.blocking` true. Lift a block with DELETE /users/{username}/block."
        ),
        parameters=[PageParams],
        responses={200: paged(ProfileSerializer), 400: BAD_REQUEST, 401: UNAUTHORIZED},
    )
    def get(self, request):
        params = page_params(request)
        page = blocks_list(user=request.user, **params)
        return page_response(request, page, BlockedProfileSerializer)


class MuteApi(_WritesThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Mute an account: its tweets leave your lists; it is never told",
        description=(
            "Idempotent. The account stays visible (its profile and tweet pages); its tweets "
            "and retweets leave your home timeline, search, hashtag and explore pages, and "
            "its replies collapse in threads."
        ),
        request=None,
        responses=WRITE_RESPONSES,
    )
    def post(self, request, username: str):
        user = user_get_visible(viewer=request.user, username=username)
        services.mute_create(muter=request.user, muted=user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Unmute an account",
        request=None,
        responses={code: WRITE_RESPONSES[code] for code in (204, 401, 404, 429)},
    )
    def delete(self, request, username: str):
        # Whoever the mutes list shows can be unmuted: one the viewer blocked too included.
        user = user_get_profile(viewer=request.user, username=username)
        services.mute_delete(muter=request.user, muted=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeMutesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Accounts the signed-in user muted, newest mute first",
        description="Unmute with DELETE /users/{username}/mute.",
        parameters=[PageParams],
        responses={200: PERSON_PAGE, 400: BAD_REQUEST, 401: UNAUTHORIZED},
    )
    def get(self, request):
        params = page_params(request)
        page = mutes_list(viewer=request.user, **params)
        return page_response(request, page, PersonSerializer)


class MeMutedWordsApi(_WritesThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="MutedWordCreate")
    class InputSerializer(serializers.Serializer):
        # No max_length here: the limit holds after cleaning, which the service does.
        phrase = TextField(
            trim_whitespace=False,
            help_text=(
                "A word, phrase or #hashtag, matched as whole words in any case; at most "
                f"{services.MAX_MUTED_PHRASE_LENGTH} characters once control characters "
                "are removed and spaces collapsed."
            ),
        )
        expires_in_days = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=services.MAX_MUTE_DAYS,
            help_text="Days until the mute ends; absent or null: forever.",
        )

    @extend_schema(
        summary="The signed-in user's muted words that have not expired, newest first",
        description=f"At most {services.MAX_MUTED_WORDS}, on one page (`next` is null).",
        responses={200: paged(MutedWordSerializer), 401: UNAUTHORIZED},
    )
    def get(self, request):
        page = Page(items=muted_words_list(user=request.user))
        return page_response(request, page, MutedWordSerializer)

    @extend_schema(
        summary="Mute a word, phrase or #hashtag, for some days or forever",
        description=(
            "Tweets holding it (as whole words, any case) leave your lists, as a muted "
            "account's do. 400 for a blank or too long phrase, one already muted (any case), "
            f"more than {services.MAX_MUTED_WORDS} words, or a bad `expires_in_days`."
        ),
        request=InputSerializer,
        responses={
            201: MutedWordSerializer,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            429: THROTTLED,
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        word = services.muted_word_create(user=request.user, **data.validated_data)
        return Response(MutedWordSerializer(word).data, status=status.HTTP_201_CREATED)


class MeMutedWordApi(_WritesThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Stop muting a word",
        parameters=[
            OpenApiParameter(
                "id",
                {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX},
                OpenApiParameter.PATH,
                description="A muted word's id.",
            )
        ],
        request=None,
        responses={
            204: OpenApiResponse(None, description="Done."),
            401: UNAUTHORIZED,
            404: OpenApiResponse(ErrorSerializer, description="No such muted word of yours."),
            429: THROTTLED,
        },
    )
    def delete(self, request, pk: int):
        services.muted_word_delete(user=request.user, muted_word_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


REQUEST_RESPONSES = {
    204: NO_CONTENT,
    401: UNAUTHORIZED,
    404: OpenApiResponse(ErrorSerializer, description="No pending request from that account."),
    429: THROTTLED,
}


class FollowRequestApproveApi(_WritesThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Approve a follow request: the requester now follows you",
        request=None,
        responses=REQUEST_RESPONSES,
    )
    def post(self, request, username: str):
        requester = user_get_visible(viewer=request.user, username=username)
        if not services.follow_request_approve(owner=request.user, requester=requester):
            raise NotFound(NO_SUCH_REQUEST)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowRequestRejectApi(_WritesThrottled, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Reject a follow request",
        request=None,
        responses=REQUEST_RESPONSES,
    )
    def post(self, request, username: str):
        requester = user_get_visible(viewer=request.user, username=username)
        if not services.follow_request_reject(owner=request.user, requester=requester):
            raise NotFound(NO_SUCH_REQUEST)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""API views for uploads: each parses input, calls one service, renders (STYLE)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from media import selectors, services
from media.models import MAX_ALT_TEXT_LENGTH
from twitterclone.api import (
    BAD_REQUEST,
    BIGINT_MAX,
    THROTTLED,
    UNAUTHORIZED,
    ErrorSerializer,
    TextField,
    WriteThrottle,
)
from twitterclone.parsers import JSONParser

from .serializers import MediaSerializer, media_item

UPLOAD_ID = OpenApiParameter(
    "id",
    {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX},
    OpenApiParameter.PATH,
    description="An upload id.",
)
ALT_TEXT_ERRORS = {"max_length": services.ALT_TEXT_TOO_LONG}


def _alt_text_field(**kwargs) -> TextField:
    return TextField(
        max_length=MAX_ALT_TEXT_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        error_messages=ALT_TEXT_ERRORS,
        help_text="Describes the image for screen readers (at most 1,500 characters).",
        **kwargs,
    )


class UploadCreateApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [parsers.MultiPartParser]
    throttle_classes = [WriteThrottle]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text="A JPEG, PNG, WebP or GIF image of at most 10 MB; read from its bytes."
        )
        alt_text = _alt_text_field(required=False, default="")

    @extend_schema(
        operation_id="uploads_create",
        summary="Upload an image (multipart); attach it with media_ids, avatar_id or header_id",
        request={"multipart/form-data": InputSerializer},
        responses={201: MediaSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 429: THROTTLED},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = services.upload_create(owner=request.user, **data.validated_data)
        return Response(media_item(request, upload.as_media()), status=status.HTTP_201_CREATED)


class UploadDetailApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    throttle_classes = [WriteThrottle]

    class InputSerializer(serializers.Serializer):
        alt_text = _alt_text_field(required=False)

    @extend_schema(
        operation_id="uploads_partial_update",
        summary="Change an upload's alt text (until it is posted)",
        parameters=[UPLOAD_ID],
        request=InputSerializer,
        responses={
            200: MediaSerializer,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: OpenApiResponse(ErrorSerializer, description="No such upload of the caller's."),
            429: THROTTLED,
        },
    )
    def patch(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "alt_text" not in data.validated_data:  # absent fields stay as they are
            upload = selectors.upload_get_own(owner=request.user, upload_id=pk)
        else:
            upload = services.upload_alt_text_set(
                owner=request.user, upload_id=pk, alt_text=data.validated_data["alt_text"]
            )
        return Response(media_item(request, upload.as_media()))

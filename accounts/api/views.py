"""API views: each parses input, calls one service or selector, renders (STYLE)."""

from django.contrib.auth import authenticate
from django.db import transaction
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.authentication import BearerTokenAuthentication
from accounts.api.serializers import MeSerializer, UserSerializer
from accounts.models import Privacy
from accounts.services import BIO_MAX_LENGTH, token_create, token_delete, user_register
from media.models import Use
from media.services import profile_image_set
from social.services import profile_settings_update
from twitterclone.api import (
    BAD_REQUEST,
    BIGINT_MAX,
    THROTTLED,
    UNAUTHORIZED,
    RegisterThrottle,
    TextField,
    TokenIpThrottle,
    TokenUsernameThrottle,
    WriteThrottle,
)

# The same answer for an unknown username, a wrong password and a suspended account.
CREDENTIALS_INVALID = "Unable to sign in with that username and password."
BEARER_REQUIRED = "Send the token to revoke as Authorization: Bearer <token>."
# Longer than any password registration accepts is refused before hashing.
PASSWORD_MAX_LENGTH = 128


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema_serializer(component_name="Register")
    class InputSerializer(serializers.Serializer):
        username = TextField(max_length=50)
        email = serializers.EmailField(max_length=254)
        password = TextField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True)
        display_name = TextField(max_length=100, required=False, allow_blank=True, default="")

    @extend_schema(
        summary="Register an account and get its first API token",
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "Registered", {"user": UserSerializer(), "token": serializers.CharField()}
            ),
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            429: THROTTLED,
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            user = user_register(**data.validated_data)
            token = token_create(user=user)
        return Response(
            {"user": UserSerializer(user).data, "token": token}, status=status.HTTP_201_CREATED
        )


class TokenApi(APIView):
    """POST signs in and issues a token; DELETE revokes the token the request carries."""

    @extend_schema_serializer(component_name="TokenCreate")
    class InputSerializer(serializers.Serializer):
        username = TextField(max_length=50)
        password = TextField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True)

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [TokenIpThrottle(), TokenUsernameThrottle()]
        return []

    @extend_schema(
        summary="Sign in: exchange a username and password for an API token",
        request=InputSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            429: THROTTLED,
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None:
            raise ValidationError({"non_field_errors": [CREDENTIALS_INVALID]})
        return Response({"token": token_create(user=user)})

    @extend_schema(
        summary="Sign out: revoke the bearer token this request carries",
        request=None,
        responses={204: None, 401: UNAUTHORIZED},
    )
    def delete(self, request):
        if not isinstance(request.successful_authenticator, BearerTokenAuthentication):
            raise NotAuthenticated(BEARER_REQUIRED)
        token_delete(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    # WriteThrottle counts the PATCH only: reading one's own profile is never throttled.
    def get_throttles(self):
        return [] if self.request.method == "GET" else [WriteThrottle()]

    @extend_schema_serializer(component_name="ProfileUpdate")
    class InputSerializer(serializers.Serializer):
        display_name = TextField(max_length=100, required=False, allow_blank=True)
        bio = TextField(max_length=BIO_MAX_LENGTH, required=False, allow_blank=True)
        profile_image_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
        privacy = serializers.ChoiceField(choices=Privacy.choices, required=False)
        avatar_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=BIGINT_MAX,
            help_text="An upload of the caller's (POST /uploads), cropped square; null removes.",
        )
        header_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=BIGINT_MAX,
            help_text="An upload of the caller's, cropped to 3:1; null removes.",
        )

    @extend_schema(
        summary="The signed-in user's profile",
        responses={200: MeSerializer, 401: UNAUTHORIZED},
    )
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        summary="Change the signed-in user's profile; absent fields stay as they are",
        request=InputSerializer,
        responses={200: MeSerializer, 400: BAD_REQUEST, 401: UNAUTHORIZED, 429: THROTTLED},
    )
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        images = {
            use: fields.pop(f"{use}_id")
            for use in (Use.AVATAR, Use.HEADER)
            if f"{use}_id" in fields
        }
        with transaction.atomic():
            user = request.user
            for use, upload_id in images.items():
                user = profile_image_set(user=user, upload_id=upload_id, use=use)
            user = profile_settings_update(user=user, **fields)
        return Response(MeSerializer(user, context={"request": request}).data)

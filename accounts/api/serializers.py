"""Output serializers for users, shared by every app's API (DESIGN "API contract")."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from media.api.serializers import absolute_media_url


class _ImageUrlField(serializers.Field):
    """The avatar's URL: the uploaded one (PATCH /me avatar_id), else profile_image_url."""

    def __init__(self, *, name_attr: str, url_attr: str | None = None, **kwargs):
        self.name_attr, self.url_attr = name_attr, url_attr
        kwargs.setdefault("help_text", "An http(s) URL, or empty.")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, user: User) -> str:
        name = getattr(user, self.name_attr)
        if name:
            return absolute_media_url(self.context.get("request"), name)
        return getattr(user, self.url_attr) if self.url_attr else ""


# A URLField would document format "uri", which the unset default "" does not match.
extend_schema_field(OpenApiTypes.STR)(_ImageUrlField)


def _image_url_field() -> serializers.Field:
    return _ImageUrlField(name_attr="avatar_file", url_attr="profile_image_url")


class UserSerializer(serializers.ModelSerializer):
    """A user as lists show it: {id, username, display_name, ..., counts}."""

    profile_image_url = _image_url_field()
    header_image_url = _ImageUrlField(
        name_attr="header_file", help_text="The uploaded header (3:1), or empty."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "bio",
            "profile_image_url",
            "header_image_url",
            "privacy",
            "verified",
            "created_at",
            "followers_count",
            "following_count",
            "tweets_count",
        ]
        read_only_fields = fields


class MeSerializer(UserSerializer):
    """The signed-in user's own profile: a user plus the e-mail address."""

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "email"]
        read_only_fields = fields


class AuthorSerializer(serializers.ModelSerializer):
    """The author embedded in a tweet."""

    profile_image_url = _image_url_field()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "verified", "profile_image_url"]
        read_only_fields = fields

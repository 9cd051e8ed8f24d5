"""Output serializers for users, shared by every app's API (DESIGN "API contract")."""

from rest_framework import serializers

from accounts.models import User


def _image_url_field() -> serializers.CharField:
    # A URLField would document format "uri", which the unset default "" does not match.
    return serializers.CharField(read_only=True, help_text="An http(s) URL, or empty.")


class UserSerializer(serializers.ModelSerializer):
    """A user as lists show it: {id, username, display_name, ..., counts}."""

    profile_image_url = _image_url_field()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "bio",
            "profile_image_url",
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

"""Output serializers of the social API: profiles with the viewer's relationship."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSerializer
from social.models import MutedWord
from social.selectors import ProfileAccess, Relationship, profile_access_blocked

# What a private account shows to those who may not see it (DESIGN "Privacy").
MINIMAL_FIELDS = ("id", "username", "privacy", "access", "relationship")
PERSON_MINIMAL_FIELDS = ("id", "username", "privacy", "access")
ACCESS_CHOICES = [
    (ProfileAccess.FULL, "everything: profile, tweets and lists"),
    (
        ProfileAccess.CARD,
        "protected account, or one the viewer blocked: the profile card, no tweets or lists",
    ),
    (ProfileAccess.MINIMAL, "private account: username and privacy only"),
]


class PersonSerializer(UserSerializer):
    """A user in a list (followers, following, follow requests), as much as the viewer may see.

    `access` is the rule's answer for this viewer (social.selectors lists set it on each
    person); at "minimal" (a private account whose card the viewer may not see, in the lists
    the owner sees whole) only `id`, `username`, `privacy` and `access` are present, as the
    HTML shows only the handle.
    """

    access = serializers.ChoiceField(choices=ACCESS_CHOICES, read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "access"]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in PERSON_MINIMAL_FIELDS:
                field.read_only = field.required = False  # absent at minimal: not required
        return fields

    def to_representation(self, user):
        data = super().to_representation(user)
        if user.access == ProfileAccess.MINIMAL:
            return {name: data[name] for name in PERSON_MINIMAL_FIELDS}
        return data


class RelationshipSerializer(serializers.Serializer):
    """How the viewer relates to a user (all false when signed out or for oneself)."""

    following = serializers.BooleanField(read_only=True)
    followed_by = serializers.BooleanField(read_only=True)
    requested = serializers.BooleanField(read_only=True)
    blocking = serializers.BooleanField(read_only=True)
    muting = serializers.BooleanField(
        read_only=True,
        help_text="The viewer muted this account (only ever true in the muter's own view).",
    )


class ProfileSerializer(UserSerializer):
    """A profile: a user, how much of it the viewer may see, and the viewer's relationship.

    With `access` "minimal" (a private account seen by a non-follower) only `id`, `username`,
    `privacy`, `access` and `relationship` are present.
    """

    access = serializers.SerializerMethodField()
    relationship = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "access", "relationship"]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in MINIMAL_FIELDS:
                # Absent at minimal access, so not "required" in the schema (drf-spectacular
                # makes every read-only field required). Output only: nothing is ever written.
                field.read_only = field.required = False
        return fields

    @extend_schema_field(serializers.ChoiceField(choices=ACCESS_CHOICES))
    def get_access(self, user) -> str:
        return self.access_of(user)

    @extend_schema_field(RelationshipSerializer)
    def get_relationship(self, user) -> dict:
        return RelationshipSerializer(self.relationship_of(user)).data

    def access_of(self, user) -> str:
        return self.context["access"]

    def relationship_of(self, user) -> Relationship:
        return self.context["relationship"]

    def to_representation(self, user):
        data = super().to_representation(user)
        if self.access_of(user) == ProfileAccess.MINIMAL:
            return {name: data[name] for name in MINIMAL_FIELDS}
        return data


class BlockedProfileSerializer(ProfileSerializer):
    """A profile in the blocker's list of blocked accounts: what its profile page would show.

    Published as Profile (same fields); access and relationship are known for every item.
    """

    def access_of(self, user) -> str:
        return profile_access_blocked(user=user)

    def relationship_of(self, user) -> Relationship:
        # A block drops follows and requests both ways and stops new ones; a mute stays.
        return Relationship(blocking=True, muting=getattr(user, "muting", False))


class MutedWordSerializer(serializers.ModelSerializer):
    """A muted word, phrase or #hashtag; `expires_at` null: muted until removed."""

    class Meta:
        model = MutedWord
        fields = ["id", "phrase", "created_at", "expires_at"]
        read_only_fields = fields

"""Output serializers for search and trending."""

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from accounts.api.serializers import UserSerializer
from tweets.api.serializers import TweetSerializer
from twitterclone.api import PageSerializer


class TrendingTagSerializer(serializers.Serializer):
    tag = serializers.CharField()
    authors = serializers.IntegerField(help_text="Distinct authors in the last hours.")
    authors_before = serializers.IntegerField(help_text="Distinct authors the day before.")


class TrendingSerializer(serializers.Serializer):
    results = TrendingTagSerializer(many=True)


class SearchPageSerializer(PageSerializer):
    """A page of search results: tweets (type=tweets) or users (type=users)."""

    results = PolymorphicProxySerializer(
        component_name="SearchResult",
        serializers=[TweetSerializer, UserSerializer],
        resource_type_field_name=None,
        many=True,
    )

"""Output serializers for uploads and the media a tweet carries (docs/api.md "Uploads")."""

from rest_framework import serializers

from twitterclone.storage import media_url


def absolute_media_url(request, name: str) -> str:
    """Return the URL of stored file `name`, absolute (the storage's own or this host's)."""
    url = media_url(name)
    if url.startswith("/") and request is not None:
        return request.build_absolute_uri(url)
    return url


class MediaSerializer(serializers.Serializer):
    """An image: an upload, or one a tweet shows."""

    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=["image", "gif"])
    url = serializers.CharField(help_text="The full image, long side at most 4,096 px.")
    preview_url = serializers.CharField(help_text="About 600 px on the long side.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt_text = serializers.CharField(allow_blank=True)
    blurhash = serializers.CharField(help_text="A placeholder to show while it loads.")


def media_item(request, item: dict) -> dict:
    """Return MediaSerializer's fields for `item` (media.models.Upload.as_media)."""
    return {
        "id": item["id"],
        "type": item["type"],
        "url": absolute_media_url(request, item["file"]),
        "preview_url": absolute_media_url(request, item["preview"]),
        "width": item["width"],
        "height": item["height"],
        "alt_text": item["alt_text"],
        "blurhash": item["blurhash"],
    }

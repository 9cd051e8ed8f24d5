import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

MAX_ALT_TEXT_LENGTH = 1500
# 20 random bytes: 160 bits, above the 128 a capability URL needs (docs/architecture.md).
NAME_BYTES = 20


def new_name(suffix: str) -> str:
    """Return a fresh random storage name ending in `suffix` (e.g. ".jpg", "-p.webp")."""
    return secrets.token_urlsafe(NAME_BYTES) + suffix


class Use(models.TextChoices):
    NONE = "", "Not attached"
    TWEET = "tweet", "Tweet"
    AVATAR = "avatar", "Avatar"
    HEADER = "header", "Header"


class Kind(models.TextChoices):
    IMAGE = "image", "Image"
    GIF = "gif", "Animated GIF"


class Upload(models.Model):
    """An image someone uploaded: its processed renditions, size, blurhash and alt text.

    `tweet_id` is a plain column, not a foreign key: media sits below tweets (the tweet keeps
    a copy of what it shows in `tweets.media`), and tweets.services removes a deleted
    tweet's uploads through media.services in the same transaction.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    # Storage names (random, NAME_BYTES): the original (long side <= 4,096 px), the preview
    # (about 600 px) and the small thumbnail.
    file = models.CharField(max_length=100)
    preview = models.CharField(max_length=100)
    thumb = models.CharField(max_length=100)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    blurhash = models.CharField(max_length=64)
    alt_text = models.TextField(blank=True, default="")
    used_as = models.CharField(max_length=10, choices=Use.choices, blank=True, default=Use.NONE)
    tweet_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "uploads"
        indexes = [
            # Serves expire_uploads: the few unattached uploads, oldest first.
            models.Index(F("created_at"), condition=Q(used_as=""), name="idx_uploads_unattached"),
            # Serves removing a deleted tweet's uploads.
            models.Index(
                fields=["tweet_id"], condition=Q(tweet_id__isnull=False), name="idx_uploads_tweet"
            ),
            # Serves an owner's uploads (claiming ids for a tweet or the profile).
            models.Index(fields=["owner"], name="idx_uploads_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("alt_text"), MAX_ALT_TEXT_LENGTH),
                name="uploads_alt_text_max_1500",
            ),
            models.CheckConstraint(
                condition=Q(used_as__in=Use.values), name="uploads_used_as_valid"
            ),
            models.CheckConstraint(
                condition=Q(tweet_id__isnull=True) | Q(used_as=Use.TWEET),
                name="uploads_tweet_only_when_used_as_tweet",
            ),
        ]

    def __str__(self) -> str:
        return f"upload {self.pk} of {self.owner_id}"

    def names(self) -> list[str]:
        """Return the storage names of every rendition."""
        return [name for name in (self.file, self.preview, self.thumb) if name]

    def as_media(self) -> dict:
        """Return what a tweet keeps of this upload in `tweets.media` (names, not URLs)."""
        return {
            "id": self.pk,
            "type": self.kind,
            "file": self.file,
            "preview": self.preview,
            "thumb": self.thumb,
            "width": self.width,
            "height": self.height,
            "alt_text": self.alt_text,
            "blurhash": self.blurhash,
        }

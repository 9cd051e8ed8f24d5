"""Writes for media: upload, alt text, attach to a tweet or the profile, delete, expire.

Files are written before their row and deleted after the row's transaction commits (a job),
so a row never names a missing file; a failed write deletes what it stored at once.
"""

from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_images_set
from twitterclone.validators import reject_nul_bytes

from . import processing, storage, tasks
from .models import MAX_ALT_TEXT_LENGTH, Kind, Upload, Use, new_name

MAX_MEDIA_PER_TWEET = 4
ALT_TEXT_TOO_LONG = f"Alt text is at most {MAX_ALT_TEXT_LENGTH:,} characters."
ALT_TEXT_FROZEN = "Alt text cannot change once the image is posted."
FILE_REQUIRED = "Choose an image to upload."
MEDIA_TOO_MANY = f"Attach at most {MAX_MEDIA_PER_TWEET} images."
MEDIA_REPEATED = "Attach each image once."
MEDIA_ID_INVALID = "Media ids are the ids of your uploads (POST /uploads)."
MEDIA_UNAVAILABLE = "Attach only your own uploads that are not posted or used yet."
IMAGE_UNAVAILABLE = "Use one of your own uploads that is not posted or used yet."


def _alt_text_clean(alt_text: str, *, field: str = "alt_text") -> str:
    reject_nul_bytes(**{field: alt_text})
    alt_text = alt_text.replace("\r\n", "\n").strip()
    if len(alt_text) > MAX_ALT_TEXT_LENGTH:
        raise ValidationError({field: [ALT_TEXT_TOO_LONG]})
    return alt_text


def _queue_files_delete(names: list[str]) -> None:
    names = [name for name in names if name]
    if names:
        transaction.on_commit(partial(tasks.media_files_delete.enqueue, names))


def upload_process(
    *, file, alt_text: str = "", field: str = "file", alt_field: str = "alt_text"
) -> processing.Processed:
    """Check and process an uploaded file without storing anything; errors under `field`."""
    _alt_text_clean(alt_text, field=alt_field)
    if file is None:
        raise ValidationError({field: [FILE_REQUIRED]})
    if file.size > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise ValidationError({field: [processing.TOO_BIG]})
    try:
        return processing.image_process(file.read())
    except processing.ImageRejected as error:
        raise ValidationError({field: [str(error)]}) from None


def upload_store(*, owner: User, processed: processing.Processed, alt_text: str = "") -> Upload:
    """Store processed renditions and their row; on any failure delete what was stored."""
    alt_text = _alt_text_clean(alt_text)
    token = new_name("")
    names = []
    try:
        for suffix, rendition in (
            ("", processed.original),
            ("-p", processed.preview),
            ("-t", processed.thumb),
        ):
            names.append(
                storage.file_save(name=token + suffix + rendition.extension, data=rendition.data)
            )
        with transaction.atomic():
            return Upload.objects.create(
                owner=owner,
                kind=processed.kind,
                file=names[0],
                preview=names[1],
                thumb=names[2],
                width=processed.original.width,
                height=processed.original.height,
                blurhash=processed.blurhash,
                alt_text=alt_text,
            )
    except BaseException:
        storage.files_delete(names=names)
        raise


def upload_create(*, owner: User, file, alt_text: str = "") -> Upload:
    """Check, process and store an uploaded image (not yet attached to anything)."""
    processed = upload_process(file=file, alt_text=alt_text)
    return upload_store(owner=owner, processed=processed, alt_text=alt_text)


def _own_unused(*, owner: User, upload_id: int) -> Upload:
    upload = (
        Upload.objects.select_for_update()
        .filter(owner=owner, pk=upload_id, used_as=Use.NONE)
        .first()
    )
    if upload is None:
        raise Upload.DoesNotExist
    return upload


@transaction.atomic
def upload_alt_text_set(*, owner: User, upload_id: int, alt_text: str) -> Upload:
    """Change an upload's alt text; only its owner may, and only until it is posted."""
    upload = Upload.objects.select_for_update().filter(owner=owner, pk=upload_id).first()
    if upload is None:
        raise Upload.DoesNotExist
    if upload.used_as != Use.NONE:
        raise ValidationError({"alt_text": [ALT_TEXT_FROZEN]})
    upload.alt_text = _alt_text_clean(alt_text)
    upload.save(update_fields=["alt_text"])
    return upload


def uploads_claim(*, owner: User, upload_ids: list[int], field: str = "media_ids") -> list[Upload]:
    """Lock `owner`'s unattached uploads `upload_ids`, in that order, to attach them.

    Anything else (someone else's, already posted, expired, unknown) is one error under
    `field`, the same for each, so the answer never tells whose an id is.
    """
    if len(upload_ids) > MAX_MEDIA_PER_TWEET:
        raise ValidationError({field: [MEDIA_TOO_MANY]})
    if len(set(upload_ids)) != len(upload_ids):
        raise ValidationError({field: [MEDIA_REPEATED]})
    if not upload_ids:
        return []
    rows = Upload.objects.select_for_update().filter(
        owner=owner, pk__in=upload_ids, used_as=Use.NONE
    )
    found = {upload.pk: upload for upload in rows.order_by("pk")}
    if len(found) != len(upload_ids):
        raise ValidationError({field: [MEDIA_UNAVAILABLE]})
    return [found[pk] for pk in upload_ids]


def uploads_attach(*, uploads: list[Upload], tweet_id: int) -> list[dict]:
    """Mark claimed uploads as `tweet_id`'s; return what the tweet keeps of them."""
    if uploads:
        Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).update(
            used_as=Use.TWEET, tweet_id=tweet_id
        )
    return [upload.as_media() for upload in uploads]


def uploads_delete_for_tweets(*, tweet_ids: list[int]) -> int:
    """Delete the uploads of tweets being deleted; their files go in a job after commit."""
    if not tweet_ids:
        return 0
    rows = Upload.objects.filter(tweet_id__in=tweet_ids)
    names = [name for row in rows.values_list("file", "preview", "thumb") for name in row]
    deleted, _ = rows.delete()
    _queue_files_delete(names)
    return deleted


def files_delete_of_owner(*, owner_id: int) -> None:
    """Queue the deletion of every file of `owner_id`'s uploads, after the commit.

    For an account being deleted: its upload rows go by CASCADE with it, and left behind
    their files would stay public at their URLs (media.views.serve answers any stored name).
    """
    rows = Upload.objects.filter(owner_id=owner_id).values_list("file", "preview", "thumb")
    _queue_files_delete([name for row in rows for name in row])


@transaction.atomic
def uploads_discard(*, owner: User, upload_ids: list[int]) -> int:
    """Delete `owner`'s unattached uploads `upload_ids` and their files (a failed post)."""
    rows = Upload.objects.filter(owner=owner, pk__in=upload_ids, used_as=Use.NONE)
    names = [name for row in rows.values_list("file", "preview", "thumb") for name in row]
    deleted, _ = rows.delete()
    _queue_files_delete(names)
    return deleted


def uploads_expire(*, older_than: datetime | None = None, batch: int = 500) -> int:
    """Delete uploads never attached to anything and older than `older_than`; return how many.

    In short transactions of `batch` rows; rows a post is claiming right now are skipped
    (SKIP LOCKED) and stay attached to it.
    """
    if older_than is None:
        older_than = timezone.now() - timezone.timedelta(hours=settings.MEDIA_UNATTACHED_HOURS)
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                Upload.objects.filter(used_as=Use.NONE, created_at__lt=older_than)
                .order_by("created_at")
                .select_for_update(skip_locked=True)
                .values_list("pk", "file", "preview", "thumb")[:batch]
            )
            if not rows:
                return total
            Upload.objects.filter(pk__in=[row[0] for row in rows]).delete()
            _queue_files_delete([name for row in rows for name in row[1:]])
        total += len(rows)


@transaction.atomic
def profile_image_set(*, user: User, upload_id: int | None, use: str) -> User:
    """Make upload `upload_id` the avatar (a square) or the header (3:1); None removes it.

    The crop becomes the upload's one file (the uncropped renditions are deleted); the
    previous avatar or header and its file go too.
    """
    field = {Use.AVATAR: "avatar_id", Use.HEADER: "header_id"}[use]
    upload = None
    if upload_id is not None:
        try:
            upload = _own_unused(owner=user, upload_id=upload_id)
        except Upload.DoesNotExist:
            raise ValidationError({field: [IMAGE_UNAVAILABLE]}) from None
    # Locks the user's row: two profile changes at once keep one image each.
    User.objects.select_for_update().filter(pk=user.pk).first()
    previous = Upload.objects.filter(owner=user, used_as=use)
    stale = [name for row in previous.values_list("file", "preview", "thumb") for name in row]
    previous.delete()
    name = ""
    if upload is not None:
        render = processing.avatar_render if use == Use.AVATAR else processing.header_render
        try:
            rendition = render(storage.file_read(name=upload.file))
        except processing.ImageRejected as error:
            raise ValidationError({field: [str(error)]}) from None
        suffix = "-a" if use == Use.AVATAR else "-h"
        name = storage.file_save(name=new_name(suffix + rendition.extension), data=rendition.data)
        stale += upload.names()
        upload.file, upload.preview, upload.thumb = name, "", ""
        upload.width, upload.height = rendition.width, rendition.height
        upload.kind, upload.used_as = Kind.IMAGE, use
        upload.save()
    _queue_files_delete(stale)
    if use == Use.AVATAR:
        return user_images_set(user=user, avatar_file=name)
    return user_images_set(user=user, header_file=name)


def profile_image_upload(*, user: User, file, use: str) -> User:
    """Upload `file` and make it the avatar or header at once (the settings page's form)."""
    field = {Use.AVATAR: "avatar", Use.HEADER: "header"}[use]
    processed = upload_process(file=file, field=field)
    upload = None
    try:
        with transaction.atomic():
            upload = upload_store(owner=user, processed=processed)
            return profile_image_set(user=user, upload_id=upload.pk, use=use)
    except BaseException:
        if upload is not None:
            storage.files_delete(names=upload.names())
        raise

"""What the media app does when something it stores files for goes away."""

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from . import services


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def delete_files_of_deleted_account(sender, *, instance, **kwargs) -> None:
    """A deleted account's uploads (its tweets' images, avatar, header, unattached ones) go
    with it by CASCADE; their files go in a job after the commit."""
    services.files_delete_of_owner(owner_id=instance.pk)

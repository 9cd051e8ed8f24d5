from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from media.services import uploads_expire


class Command(BaseCommand):
    help = (
        "Delete uploads never attached to a tweet or a profile, older than "
        "MEDIA_UNATTACHED_HOURS (24), and their files. Run it hourly (cron or the worker host)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=settings.MEDIA_UNATTACHED_HOURS)
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, hours: float, batch: int, **options):
        cutoff = timezone.now() - timezone.timedelta(hours=hours)
        deleted = uploads_expire(older_than=cutoff, batch=batch)
        self.stdout.write(f"Deleted {deleted} unattached uploads older than {hours:g} hours.")

"""Delete notifications past their retention, in short batches."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from notifications.services import notifications_prune


class Command(BaseCommand):
    help = "Delete notifications older than --days (NOTIFICATION_RETENTION_DAYS), in batches."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, days, batch, **options):
        days = settings.NOTIFICATION_RETENTION_DAYS if days is None else days
        try:
            deleted = notifications_prune(days=days, batch=batch)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Deleted {deleted} notifications older than {days} days.")

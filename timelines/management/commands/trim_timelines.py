from django.core.management.base import BaseCommand

from timelines.services import timelines_trim_all


class Command(BaseCommand):
    help = "Trim every home timeline to its newest TIMELINE_MAX_ROWS rows (run periodically)."

    def handle(self, *args, **options):
        removed = timelines_trim_all()
        self.stdout.write(self.style.SUCCESS(f"Removed {removed:,} timeline rows."))

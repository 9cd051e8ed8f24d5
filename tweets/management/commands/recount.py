from django.core.management.base import BaseCommand, CommandError

from social.services import follow_counters_rebuild
from tweets.services import tweet_counters_rebuild


class Command(BaseCommand):
    help = "Rebuild every denormalised counter from the rows; --check only reports drift."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report, change nothing")

    def handle(self, *args, check: bool, **options):
        drift = follow_counters_rebuild(dry_run=check) | tweet_counters_rebuild(dry_run=check)
        for name, rows in drift.items():
            self.stdout.write(f"{name}: {rows} rows {'off' if check else 'fixed'}")
        if check and any(drift.values()):
            raise CommandError("Counters drifted from the rows; run `manage.py recount`.")
        self.stdout.write(self.style.SUCCESS("Counters match the rows."))

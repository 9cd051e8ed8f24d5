from django.core.management.base import BaseCommand, CommandError

from social.selectors import graph_mismatches
from social.services import graph_repair


class Command(BaseCommand):
    help = "Prove user_follows and user_followers mirror each other; --fix repairs them."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="repair any mismatch found")

    def handle(self, *args, fix: bool, **options):
        mismatches = graph_mismatches()
        if not mismatches.total:
            self.stdout.write(self.style.SUCCESS("Follow graph consistent: the tables mirror."))
            return
        self.stdout.write(
            f"{mismatches.only_in_follows} edges only in user_follows, "
            f"{mismatches.only_in_followers} only in user_followers."
        )
        if not fix:
            raise CommandError("Follow graph inconsistent; run with --fix to repair.")
        graph_repair()
        self.stdout.write(self.style.SUCCESS("Repaired; run `manage.py recount` for counters."))

"""Return jobs whose worker died (lease ran out) to the queue once; every worker also does this."""

from django.core.management.base import BaseCommand

from jobs.services import jobs_reap_expired


class Command(BaseCommand):
    help = "Return RUNNING jobs whose lease ran out to the queue (or dead-letter them)."

    def handle(self, *args, **options) -> None:
        total = 0
        while reaped := jobs_reap_expired():
            total += reaped
        self.stdout.write(f"{total} job(s) reaped")

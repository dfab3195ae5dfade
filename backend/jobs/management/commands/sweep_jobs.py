"""`manage.py sweep_jobs`: re-queue jobs whose worker died (for installations without beat)."""

from django.core.management.base import BaseCommand

from backend.jobs.sweeper import sweep


class Command(BaseCommand):
    help = "Send again the jobs left running by a dead worker; fail those that keep killing it."

    def handle(self, *args, **options) -> None:
        report = sweep()
        self.stdout.write(
            f"re-queued {len(report.requeued)} job(s), failed {len(report.poisoned)} as poison"
            + (f", {len(report.unsendable)} without a task name" if report.unsendable else "")
        )

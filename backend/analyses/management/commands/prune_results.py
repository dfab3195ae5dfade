"""`manage.py prune_results`: apply the retention policy of stored results now
(backend/analyses/retention.py); beat runs the same every CONVSCOPE_PRUNE_EVERY_S."""

from django.core.management.base import BaseCommand


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


class Command(BaseCommand):
    help = (
        "Remove the layer files of stored analysis results older than RESULT_MAX_AGE_DAYS or "
        "beyond a user's RESULT_QUOTA_BYTES_PER_USER, least recently used first (they are "
        "recomputed on request), and model uploads left unfinished for longer than "
        "CONVSCOPE_UPLOAD_MAX_AGE_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be freed; change nothing"
        )

    def handle(self, *args, dry_run: bool = False, **options):
        from backend.analyses.retention import prune

        report = prune(dry_run=dry_run)
        verb = "would free" if dry_run else "freed"
        for item in report.pruned:
            self.stdout.write(
                f"{verb} {megabytes(item.bytes)}: result {item.result_id} "
                f"({item.directory}), {item.reason}"
            )
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}{len(report.pruned)} result(s), "
            f"{verb} {megabytes(report.freed_bytes)} ({report.freed_bytes} bytes)."
        )
        if not dry_run:
            from backend.networks.chunked import remove_stale_uploads

            removed = remove_stale_uploads()
            self.stdout.write(f"Removed {removed} unfinished model upload(s) past their age limit.")

"""`manage.py verify-report FILE`: recompute a report's prediction and maps (or accuracy) from
its provenance and say whether they match; exit status 1 when they do not."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Check that a ConvScope report's numbers are reproduced by this server."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the report's HTML (a PDF's HTML twin)")

    def handle(self, *args, file: Path, **options):
        from backend.reports.html import read_provenance
        from backend.reports.verify import verify

        if file.suffix.lower() == ".pdf":
            twin = file.with_suffix(".html")
            if not twin.exists():
                raise CommandError(
                    f"A PDF carries its provenance as text only: give its HTML twin ({twin.name}).",
                    returncode=2,
                )
            file = twin
        try:
            provenance = read_provenance(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.", returncode=2) from exc
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        problems = verify(provenance)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError("The report does NOT match this server's numbers.", returncode=1)
        self.stdout.write("The report matches: its numbers are reproduced here.")

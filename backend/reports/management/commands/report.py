"""`manage.py report --analysis ID --out FILE.pdf` (or `--evaluation ID`, or `.html`): a report
that can be filed, with its provenance. A PDF is written with its HTML twin beside it
(FILE.html), which `manage.py verify-report` reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Write the report of an analysis or an evaluation as HTML or PDF."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--analysis", type=int, help="id of an analysis")
        which.add_argument("--evaluation", type=int, help="id of an evaluation (dataset view)")
        parser.add_argument("--out", type=Path, required=True, help="FILE.pdf or FILE.html")
        parser.add_argument("--name", help="a display name to print on the report (opt-in)")

    def handle(self, *args, analysis, evaluation, out: Path, name, **options):
        from backend.analyses.models import Analysis
        from backend.evaluations.models import DatasetView, DatasetViewKind
        from backend.reports import build
        from backend.reports.pdf import PdfUnavailable

        suffix = out.suffix.lower()
        if suffix not in (".pdf", ".html"):
            raise CommandError("--out must end in .pdf or .html.", returncode=2)
        if analysis is not None:
            kind, obj = "analysis", Analysis.objects.filter(pk=analysis).first()
        else:
            kind = "evaluation"
            obj = DatasetView.objects.filter(pk=evaluation, kind=DatasetViewKind.EVALUATION).first()
        if obj is None:
            raise CommandError(f"There is no {kind} {analysis or evaluation}.", returncode=2)
        try:
            html = build(kind, obj, fmt="html", display_name=name)
            out.parent.mkdir(parents=True, exist_ok=True)
            if suffix == ".pdf":
                from backend.reports.pdf import html_to_pdf

                out.with_suffix(".html").write_bytes(html)
                out.write_bytes(html_to_pdf(html.decode("utf-8")))
            else:
                out.write_bytes(html)
        except (ValueError, PdfUnavailable) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.", returncode=2) from exc
        self.stdout.write(
            f"Wrote {out}" + (f" and {out.with_suffix('.html')}" if suffix == ".pdf" else "")
        )

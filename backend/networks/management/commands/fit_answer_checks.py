"""`manage.py fit_answer_checks [--network NAME]`: fit the out-of-distribution check and the
calibration of networks that have none yet (registered before they existed, or whose fit
failed); registration and the zoo build fit them already."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Fit the out-of-distribution check and the calibration of networks missing them."

    def add_arguments(self, parser):
        parser.add_argument("--network", help="one network's name (default: every network)")

    def handle(self, *args, network=None, **options):
        from backend.networks import calibration, ood
        from backend.networks.models import Network

        rows = Network.objects.select_related("dataset").order_by("name", "version")
        if network:
            rows = rows.filter(name=network)
            if not rows.exists():
                raise CommandError(f"There is no network called {network!r}.", returncode=2)
        for row in rows:
            checked = ood.ensure_fitted(row)
            calibrated = calibration.ensure_fitted(row)
            self.stdout.write(
                f"{row.name} v{row.version}: out-of-distribution {checked.get('method') or 'none'}"
                f", temperature {calibrated.get('temperature', 'none')}"
            )

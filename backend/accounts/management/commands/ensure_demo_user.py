"""Create the demo account `make dev` prints (idempotent)."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_USERNAME = "demo"
DEFAULT_PASSWORD = "convscope-demo"  # noqa: S105 (a documented demo account)


class Command(BaseCommand):
    help = "Create (or reset) the demo user; password from CONVSCOPE_DEMO_PASSWORD."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=DEMO_USERNAME)
        parser.add_argument("--staff", action="store_true", help="also make it an admin")

    def handle(self, *args, username: str, staff: bool, **options):
        password = os.environ.get("CONVSCOPE_DEMO_PASSWORD", DEFAULT_PASSWORD)
        user, created = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        if staff:
            user.is_staff = user.is_superuser = True
        user.save()
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} user '{username}' (password: {password})")

"""Give a user a role (teacher or admin), or take it away with --remove."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from backend.core.roles import ADMIN, TEACHER, roles_of, set_role


class Command(BaseCommand):
    help = "Give USERNAME the role ROLE (teacher or admin); --remove takes it away."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=[TEACHER, ADMIN])
        parser.add_argument("--remove", action="store_true", help="take the role away")

    def handle(self, *args, username: str, role: str, remove: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user '{username}'.")
        set_role(user, role, remove=remove)
        self.stdout.write(f"{username}: {', '.join(roles_of(user))}")

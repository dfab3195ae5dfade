"""The role groups: "teacher" and "admin" ("user" is every account, so it needs no group)."""

from django.db import migrations

ROLE_GROUPS = ("teacher", "admin")


def create_groups(apps, schema_editor) -> None:
    group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, remove_groups)]

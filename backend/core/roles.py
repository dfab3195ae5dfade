"""Roles: every account is a "user"; "teacher" and "admin" are Django groups of those names.

Django's is_staff / is_superuser also count as admin, so accounts made with `createsuperuser`
are admins without joining the group.
"""

from django.contrib.auth.models import Group
from rest_framework.permissions import BasePermission

USER = "user"
TEACHER = "teacher"
ADMIN = "admin"
ROLES = (USER, TEACHER, ADMIN)


def _group_names(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(user.groups.filter(name__in=(TEACHER, ADMIN)).values_list("name", flat=True))


def roles_of(user) -> list[str]:
    """The user's roles, in a fixed order; an anonymous visitor has none."""
    if not getattr(user, "is_authenticated", False):
        return []
    groups = _group_names(user)
    roles = [USER]
    if TEACHER in groups:
        roles.append(TEACHER)
    if ADMIN in groups or user.is_staff or user.is_superuser:
        roles.append(ADMIN)
    return roles


def is_teacher(user) -> bool:
    return TEACHER in roles_of(user)


def is_admin(user) -> bool:
    return ADMIN in roles_of(user)


def set_role(user, role: str, *, remove: bool = False) -> None:
    """Give (or take away) a role. The admin role also sets is_staff so Django admin opens;
    taking it away clears is_staff and is_superuser, or the user would still count as admin."""
    if role not in (TEACHER, ADMIN):
        raise ValueError(f"Unknown role {role!r}: choose teacher or admin.")
    # A transactional test flushes the migration's groups: make them on demand.
    group, _ = Group.objects.get_or_create(name=role)
    if remove:
        user.groups.remove(group)
    else:
        user.groups.add(group)
    if role == ADMIN:
        user.is_staff = not remove
        if remove:
            user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])


class IsTeacher(BasePermission):
    """Teachers (and admins, who can do whatever a teacher can)."""

    message = "Only teachers can do this."

    def has_permission(self, request, view) -> bool:
        roles = roles_of(request.user)
        return TEACHER in roles or ADMIN in roles


class IsAdminRole(BasePermission):
    message = "Only administrators can do this."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)

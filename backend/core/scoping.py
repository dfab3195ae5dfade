"""Who reaches which private objects: the owner, and an administrator by id.

Lists stay the requester's own (an administrator's pages are not flooded with everyone's
uploads); a detail request, its files and its actions reach any owner's object for an
administrator. Everyone else gets 404 for another user's id, never 403, so ids reveal nothing.
"""

from django.db.models import QuerySet

from backend.core.roles import is_admin


def owned(queryset: QuerySet, request, action: str | None, *, field: str = "owner") -> QuerySet:
    """`queryset` narrowed to what `request.user` may reach for this viewset action."""
    if action != "list" and is_admin(request.user):
        return queryset
    return queryset.filter(**{field: request.user})


def is_id(value: str) -> bool:
    """Whether a query parameter is a whole number a database integer column can hold.

    ``str.isdigit`` alone lets through "²" (which ``int`` refuses) and ids past 2**63 (which
    overflow SQLite when compared with a foreign key): both answered 500 before.
    """
    return value.isascii() and value.isdigit() and len(value) <= 18

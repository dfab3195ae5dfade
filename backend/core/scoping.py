"""Who reaches which private objects: the owner, and an administrator by id.

Lists stay the requester's own (an administrator's pages are not flooded with everyone's
uploads); a detail request, its files and its actions reach any owner's object for an
administrator. Everyone else gets 404 for another user's id, never 403, so ids reveal nothing.
"""

from django.db.models import QuerySet

from backend.accounts.roles import is_admin


def owned(queryset: QuerySet, request, action: str | None, *, field: str = "owner") -> QuerySet:
    """`queryset` narrowed to what `request.user` may reach for this viewset action."""
    if action != "list" and is_admin(request.user):
        return queryset
    return queryset.filter(**{field: request.user})

"""Storing a shared result row whose key is unique, when two jobs may race to store it."""

from django.db import IntegrityError, models, transaction


def store_result(model: type[models.Model], lookup: dict, values: dict) -> models.Model:
    """Create the ``model`` row for ``lookup`` with ``values``; if a concurrent job stored
    the same key first, update that row to these values (same inputs, same result) and
    return it."""
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, **values)
    except IntegrityError:
        existing = model.objects.get(**lookup)
        model.objects.filter(pk=existing.pk).update(**values)
        existing.refresh_from_db()
        return existing

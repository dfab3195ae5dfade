from django.contrib import admin

from backend.evaluations.models import DatasetView, DatasetViewResult


@admin.register(DatasetView)
class DatasetViewAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "owner", "network", "job", "created_at"]
    list_filter = ["kind"]


@admin.register(DatasetViewResult)
class DatasetViewResultAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "network", "params_key", "created_at"]
    list_filter = ["kind"]
